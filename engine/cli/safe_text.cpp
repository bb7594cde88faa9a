// Control characters escaped on the way to a terminal (safe_text.hpp).
#include "safe_text.hpp"

#include <cstdio>
#include <streambuf>

namespace infersim::cli {

struct EscapeControls::Filter : std::streambuf {
  Filter(std::streambuf* dest, bool keep_cr) : dest_(dest), keep_cr_(keep_cr) {}

  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    const auto c = static_cast<unsigned char>(traits_type::to_char_type(ch));
    if (held_c2_) {
      held_c2_ = false;
      if (c >= 0x80 && c <= 0x9f) return put_escape("\\u00", c) ? ch : traits_type::eof();
      if (dest_->sputc(static_cast<char>(0xc2)) == traits_type::eof()) return traits_type::eof();
    }
    if (c == 0xc2) {  // maybe the first byte of a C1 control in UTF-8
      held_c2_ = true;
      return ch;
    }
    const bool control = (c < 0x20 && c != '\n' && c != '\t' && !(keep_cr_ && c == '\r')) || c == 0x7f;
    if (control) return put_escape("\\x", c) ? ch : traits_type::eof();
    return dest_->sputc(static_cast<char>(c)) == traits_type::eof() ? traits_type::eof() : ch;
  }

  int sync() override {
    if (held_c2_) {
      held_c2_ = false;
      dest_->sputc(static_cast<char>(0xc2));
    }
    return dest_->pubsync();
  }

private:
  bool put_escape(const char* prefix, unsigned char c) {
    char buf[8];
    const int n = std::snprintf(buf, sizeof buf, "%s%02x", prefix, c);
    return dest_->sputn(buf, n) == n;
  }

  std::streambuf* dest_;
  bool keep_cr_;
  bool held_c2_ = false;
};

EscapeControls::EscapeControls(std::ostream& os, bool keep_cr)
    : os_(os), original_(os.rdbuf()), filter_(new Filter(original_, keep_cr)) {
  os_.rdbuf(filter_);
}

EscapeControls::~EscapeControls() {
  os_.flush();
  os_.rdbuf(original_);
  delete filter_;
}

}  // namespace infersim::cli
