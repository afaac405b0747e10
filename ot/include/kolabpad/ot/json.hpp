#pragma once
// The JSON form of an operation: [2,"n",-1,2] (retain n > 0, delete -n, insert "s", 0 ignored).

#include <string>
#include <string_view>

#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::ot {

// Largest absolute value a number in the JSON form may have (2^31 - 1).
inline constexpr std::uint64_t max_json_component = 0x7fffffff;

// Parses the JSON form strictly (integers within ±max_json_component, strings of valid UTF-8
// without lone surrogates); the result is in canonical form. Any other input is an error.
Result<Operation> from_json(std::string_view json);

// The JSON form of `op`, compact, non-ASCII written as UTF-8, controls escaped like serde_json.
std::string to_json(const Operation& op);

// Appends the JSON form of `op` to `out`.
void append_json(std::string& out, const Operation& op);

// Appends `s` (valid UTF-8) as a JSON string literal to `out`, escaped like serde_json.
void append_json_string(std::string& out, std::string_view s);

}  // namespace kolabpad::ot
