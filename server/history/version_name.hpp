#pragma once
// The rule for a version name given by SaveVersion.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kolabpad::server::history {

// Why `name` (valid UTF-8) cannot name a version: empty, longer than `max_code_points`, or holding a
// control character (C0, DEL, C1, or a line or paragraph separator); nullopt when it can.
std::optional<std::string> version_name_problem(std::string_view name, std::uint64_t max_code_points);

}  // namespace kolabpad::server::history
