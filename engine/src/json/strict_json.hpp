#pragma once
// The strict JSON reader shared by scenarios, distributions and the catalog
// (docs/scenario-format.md): duplicate keys, unknown keys (with the nearest allowed
// names), missing keys, wrong types and out-of-range whole numbers are errors that name
// the JSON path and quote the value. Engine-internal.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim::detail {

/// Parse JSON text; `source` (a file name) starts every message, with `line:col` for
/// syntax errors. A key repeated in one object is an error.
nlohmann::json parse_strict(const std::string& text, const std::string& source);

/// `"text"`, `12.5`, `{...}`: a JSON value as it should appear in a message (truncated).
std::string render(const nlohmann::json& v);

/// JSON type name for messages: "a string", "an object", ...
std::string type_name(const nlohmann::json& v);

/// `a, b, c`
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

/// Edit distance (Levenshtein), case-sensitive.
std::size_t edit_distance(const std::string& a, const std::string& b);

/// Up to `k` candidates nearest to `name`, nearest first (ties keep the candidates' order).
std::vector<std::string> nearest(const std::string& name, const std::vector<std::string>& candidates,
                                 std::size_t k = 3);

/// "; did you mean X?" when a candidate is close, else `otherwise`.
std::string suggest(const std::string& name, const std::vector<std::string>& candidates,
                    const std::string& otherwise = "");

/// `j` itself if it is an object, else an error at `path`.
const nlohmann::json& require_object(const nlohmann::json& j, const std::string& path);
/// Every key of `obj` must be one of `allowed` (an error suggests the nearest).
void check_keys(const nlohmann::json& obj, const std::string& path, const std::vector<std::string>& allowed);
/// obj[key], or "PATH.KEY: required key is missing".
const nlohmann::json& require_key(const nlohmann::json& obj, const std::string& path, const std::string& key);
std::string string_value(const nlohmann::json& j, const std::string& path);
double number_value(const nlohmann::json& j, const std::string& path);
/// A whole number in [lo, hi] (integers, or floats without a fraction).
std::int64_t whole_value(const nlohmann::json& j, const std::string& path, std::int64_t lo, std::int64_t hi);

}  // namespace infersim::detail
