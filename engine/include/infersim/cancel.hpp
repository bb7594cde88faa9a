#pragma once
/// Stopping work that has no RunOptions::cancel: loading a scenario. Each distinct beta or
/// PERT shape builds quantile tables when it is read (about 10 ms), so a scenario with
/// hundreds of them loads for seconds; a caller that wants Ctrl-C to stop that opens a
/// CancelScope on the loading thread, and the loader polls it between tables.
#include <atomic>

namespace infersim {

/// While alive, throw_if_cancelled() on this thread throws Cancelled once `*flag` is true.
/// Scopes nest (the innermost one counts); a null flag checks nothing.
class CancelScope {
public:
  explicit CancelScope(const std::atomic<bool>* flag) noexcept;
  ~CancelScope();
  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

private:
  const std::atomic<bool>* previous_;
};

/// Throws Cancelled when this thread's innermost CancelScope's flag is set; otherwise a
/// relaxed load and nothing else.
void throw_if_cancelled();

}  // namespace infersim
