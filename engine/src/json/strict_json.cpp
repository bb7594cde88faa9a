// The strict JSON reader (strict_json.hpp) and number formatting for messages.
#include "json/strict_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "infersim/error.hpp"
#include "infersim/io.hpp"  // k_max_json_depth

namespace infersim {

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

namespace detail {

using json = nlohmann::json;


std::string render(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const std::size_t step = std::min(row[j], row[j - 1]) + 1;
      const std::size_t keep = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min(step, keep);
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> nearest(const std::string& name, const std::vector<std::string>& candidates,
                                 std::size_t k) {
  // The distance costs |name| x |candidate|: a name of megabytes (a fuzzer's, a pasted
  // file) is compared by its first 256 characters, far beyond any real name.
  const std::string key = name.substr(0, 256);
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // (distance, index)
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    scored.emplace_back(edit_distance(key, candidates[i]), i);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min(k, scored.size()); ++i) out.push_back(candidates[scored[i].second]);
  return out;
}

std::string suggest(const std::string& name, const std::vector<std::string>& candidates,
                    const std::string& otherwise) {
  const auto near = nearest(name, candidates, 1);
  if (!near.empty() && name.size() <= 256 && edit_distance(name, near[0]) <= std::max<std::size_t>(2, name.size() / 3)) {
    return "; did you mean \"" + near[0] + "\"?";
  }
  return otherwise;
}


// "line:column" of a 1-based byte offset, which is what an editor shows.
static std::string line_col(const std::string& text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < std::min<std::size_t>(byte ? byte - 1 : 0, text.size()); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}


nlohmann::json parse_strict(const std::string& text, const std::string& source) {
  // Duplicate keys are errors: a typo'd second "pue" must not silently replace the first.
  std::vector<std::vector<std::string>> keys;  // keys seen, per open object
  std::string duplicate;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if ((event == E::object_start || event == E::array_start) && depth >= k_max_json_depth) {
      // Deeper documents are no scenario, and every later step would recurse that deep.
      throw InputError(source + ": nested deeper than " + std::to_string(k_max_json_depth) + " levels");
    }
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && duplicate.empty()) {
      const auto name = parsed.get<std::string>();
      auto& seen = keys.back();
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) duplicate = name;
      seen.push_back(name);
    }
    return true;
  };
  try {
    nlohmann::json j = nlohmann::json::parse(text, callback);
    if (!duplicate.empty()) {
      throw InputError(source + ": duplicate key \"" + duplicate + "\" in one object (the second would silently win)");
    }
    return j;
  } catch (const nlohmann::json::out_of_range& e) {
    // e.g. 1e400, a number no double can hold; the message quotes it, so find it.
    std::string what = e.what();
    const auto pos = what.find("number overflow");
    what = pos == std::string::npos ? what : what.substr(pos);
    const auto q1 = what.find('\''), q2 = what.rfind('\'');
    const auto at = q1 < q2 ? text.find(what.substr(q1 + 1, q2 - q1 - 1)) : std::string::npos;
    throw InputError(source + (at == std::string::npos ? "" : ":" + line_col(text, at + 1)) + ": invalid JSON: " + what);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    const auto pos = what.find("syntax error");
    if (pos != std::string::npos) what = what.substr(pos);
    throw InputError(source + ":" + line_col(text, e.byte) + ": invalid JSON: " + what);
  }
}


const json& require_object(const json& j, const std::string& path) {
  if (!j.is_object()) throw InputError(path + ": expected an object, got " + render(j));
  return j;
}

void check_keys(const json& obj, const std::string& path, const std::vector<std::string>& allowed) {
  for (const auto& [key, _] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      const std::string where = path.empty() ? key : path + "." + key;
      throw InputError(where + ": unknown key" +
                       suggest(key, allowed, " (allowed here: " + join(allowed) + ")"));
    }
  }
}

const json& require_key(const json& obj, const std::string& path, const std::string& key) {
  if (!obj.contains(key)) {
    throw InputError((path.empty() ? key : path + "." + key) + ": required key is missing");
  }
  return obj.at(key);
}

std::string string_value(const json& j, const std::string& path) {
  if (!j.is_string()) throw InputError(path + ": expected a string, got " + render(j));
  return j.get<std::string>();
}

double number_value(const json& j, const std::string& path) {
  if (!j.is_number()) throw InputError(path + ": expected a number, got " + render(j));
  return j.get<double>();
}

std::int64_t whole_value(const json& j, const std::string& path, std::int64_t lo, std::int64_t hi) {
  if (!j.is_number()) throw InputError(path + ": expected a whole number, got " + render(j));
  const auto out_of_range = [&] {
    return InputError(path + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                      render(j));
  };
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi) || (lo > 0 && u < static_cast<std::uint64_t>(lo))) throw out_of_range();
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) {
    const auto i = j.get<std::int64_t>();
    if (i < lo || i > hi) throw out_of_range();
    return i;
  }
  const double x = j.get<double>();
  if (x != std::floor(x)) throw InputError(path + ": expected a whole number, got " + render(j));
  // A double converts to int64 only inside [-2^63, 2^63): 2^63 itself (which the decimal
  // 9223372036854775807.0 rounds to) is out of range, and casting it is undefined behaviour.
  // Found by fuzz_scenario (docs/hardening.md, third campaign).
  if (!(x >= -0x1p63 && x < 0x1p63)) throw out_of_range();
  const auto i = static_cast<std::int64_t>(x);
  if (i < lo || i > hi) throw out_of_range();
  return i;
}

}  // namespace detail
}  // namespace infersim
