#pragma once
// Small helpers for strict JSON reading and readable error messages (engine-internal).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim::detail {

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

}  // namespace infersim::detail
