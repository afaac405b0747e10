#include "protocol/display_text.hpp"

namespace kolabpad::server::protocol {
namespace {

// Length in bytes of the UTF-8 sequence starting with `lead` (valid UTF-8 assumed).
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead < 0xE0) return 2;
    if (lead < 0xF0) return 3;
    return 4;
}

// The code point of the valid sequence of `len` bytes at `p`.
char32_t decode(const unsigned char* p, std::size_t len) {
    switch (len) {
        case 1: return p[0];
        case 2: return (char32_t(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
        case 3: return (char32_t(p[0] & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        default:
            return (char32_t(p[0] & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) | (char32_t(p[2] & 0x3F) << 6) |
                   (p[3] & 0x3F);
    }
}

// Calls f(offset, length, code point) for each code point of valid UTF-8 `s`; stops when f returns false.
template <class F>
void for_each_code_point(std::string_view s, F f) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = sequence_length(p[i]);
        if (!f(i, len, decode(p + i, len))) return;
        i += len;
    }
}

}  // namespace

bool is_display_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

bool has_display_control(std::string_view s) {
    bool found = false;
    for_each_code_point(s, [&](std::size_t, std::size_t, char32_t cp) {
        found = is_display_control(cp);
        return !found;
    });
    return found;
}

std::string strip_display_controls(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for_each_code_point(s, [&](std::size_t at, std::size_t len, char32_t cp) {
        if (!is_display_control(cp)) out.append(s.substr(at, len));
        return true;
    });
    return out;
}

}  // namespace kolabpad::server::protocol
