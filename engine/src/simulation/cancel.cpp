// The loader's cancellation hook (infersim/cancel.hpp): one pointer per thread.
#include "infersim/cancel.hpp"

#include "infersim/error.hpp"

namespace infersim {

namespace {
thread_local const std::atomic<bool>* t_flag = nullptr;
}  // namespace

CancelScope::CancelScope(const std::atomic<bool>* flag) noexcept : previous_(t_flag) { t_flag = flag; }

CancelScope::~CancelScope() { t_flag = previous_; }

void throw_if_cancelled() {
  if (t_flag != nullptr && t_flag->load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace infersim
