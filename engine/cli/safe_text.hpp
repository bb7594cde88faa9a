#pragma once
// Text for a terminal from names a scenario chose: control characters escaped.
#include <ostream>

namespace infersim::cli {

/// From now on, `os` shows control characters as `\xNN` (C0 and DEL) or `\u00NN` (the
/// C1 controls U+0080-U+009F): a scenario name or claim id carrying an escape sequence
/// cannot retitle, recolour or rewrite the user's terminal. Newlines and tabs pass, and
/// carriage returns when `keep_cr` (the progress bar's). Returns a guard that restores
/// the stream when destroyed.
class EscapeControls {
public:
  EscapeControls(std::ostream& os, bool keep_cr);
  ~EscapeControls();
  EscapeControls(const EscapeControls&) = delete;
  EscapeControls& operator=(const EscapeControls&) = delete;

private:
  std::ostream& os_;
  std::streambuf* original_;
  struct Filter;
  Filter* filter_;
};

}  // namespace infersim::cli
