#pragma once
// UTF-8 utilities: validation, code-point counting and code-point to byte-offset mapping.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kolabpad::ot::utf8 {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid(std::string_view s);

// Number of code points in `s`, which must be valid UTF-8.
std::uint64_t count(std::string_view s);

// Byte offset of code point `index` in valid UTF-8 `s`; s.size() when index >= count(s).
std::size_t byte_offset(std::string_view s, std::uint64_t index);

// Byte offset reached by walking `n` code points forward from byte `from`; s.size() if the text ends first.
std::size_t advance(std::string_view s, std::size_t from, std::uint64_t n);

// Like advance, but returns npos when fewer than `n` code points follow byte `from`.
std::size_t advance_exact(std::string_view s, std::size_t from, std::uint64_t n);

// Copy of `s` with every ill-formed sequence replaced by U+FFFD (as the WHATWG decoder does).
std::string sanitize(std::string_view s);

// Appends the UTF-8 encoding of code point `cp` (must be a scalar value) to `out`.
void append(std::string& out, char32_t cp);

}  // namespace kolabpad::ot::utf8
