#pragma once
// Walking valid UTF-8 by code points while counting the UTF-16 units passed (what a JS string's
// offsets are), forwards or backwards, eight bytes at a time where it can.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kolabpad::wasm {

// A position in a run of UTF-8: a byte offset and the UTF-16 units before it.
struct Spot {
    std::size_t byte = 0;
    std::size_t unit = 0;
};

// The spot `n` code points after `from` in valid UTF-8 `s` (n must not pass the end).
Spot walk_forward(std::string_view s, Spot from, std::uint64_t n);

// The spot `n` code points before `from` in valid UTF-8 `s` (n must not pass the start).
Spot walk_backward(std::string_view s, Spot from, std::uint64_t n);

// Number of UTF-16 units valid UTF-8 `s` decodes to.
std::size_t utf16_length(std::string_view s);

}  // namespace kolabpad::wasm
