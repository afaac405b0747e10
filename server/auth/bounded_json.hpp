#pragma once
// Parsing of small untrusted JSON objects (JWT headers and claims) with bounded size and depth.

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kolabpad::server::auth {

// One JSON object parsed from `text`; nullopt when `text` is longer than `max_bytes`, is not one
// JSON object, nests arrays/objects deeper than `max_depth` (the top object is depth 1), repeats a
// key inside any object, or is not valid UTF-8. The limits are checked by a validating pass that
// stops at the first violation, before any value is built.
std::optional<nlohmann::json> parse_bounded_object(std::string_view text, std::size_t max_bytes,
                                                   std::size_t max_depth);

}  // namespace kolabpad::server::auth
