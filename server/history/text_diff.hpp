#pragma once
// A bounded text diff in code points (Myers' middle-snake bisection, by lines first for long texts):
// the operation that turns one text into another, for when the log between them is not at hand.

#include <cstdint>
#include <string_view>

#include "kolabpad/ot/operation.hpp"

namespace kolabpad::server::history {

// Above this many differing code points (after the common prefix and suffix) texts are compared
// line by line first, and only the changed lines character by character.
inline constexpr std::uint64_t line_mode_above = 10'000;

// The operation turning valid UTF-8 `from` into `to`: retains where they agree, inserts and deletes
// elsewhere. Minimal (fewest code points inserted plus deleted) while the work stays within
// `max_steps` symbol comparisons; past that, the rest of a region is replaced whole (still exact).
ot::Operation text_diff(std::string_view from, std::string_view to, std::uint64_t max_steps);

// `op` (which applies to valid UTF-8 `base`) with each place where it deletes text and inserts other
// text in its stead narrowed by a text diff of the two, so that what they share is retained. Applies
// to `base` with the same result; the diffs share one budget of `max_steps`.
ot::Operation narrow(const ot::Operation& op, std::string_view base, std::uint64_t max_steps);

}  // namespace kolabpad::server::history
