#include "kolabpad/ot/utf8.hpp"

#include <cstring>

namespace kolabpad::ot::utf8 {
namespace {

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Length of the well-formed sequence starting at s[i], or 0 when it is ill-formed (RFC 3629 table).
std::size_t sequence_length(std::string_view s, std::size_t i) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
    const std::size_t left = s.size() - i;
    const unsigned char b0 = p[0];
    if (b0 < 0x80) return 1;
    if (b0 < 0xC2) return 0;
    if (b0 < 0xE0) return left >= 2 && is_continuation(p[1]) ? 2 : 0;
    if (b0 < 0xF0) {
        if (left < 3 || !is_continuation(p[1]) || !is_continuation(p[2])) return 0;
        if (b0 == 0xE0 && p[1] < 0xA0) return 0;   // overlong
        if (b0 == 0xED && p[1] >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (b0 < 0xF5) {
        if (left < 4 || !is_continuation(p[1]) || !is_continuation(p[2]) || !is_continuation(p[3])) return 0;
        if (b0 == 0xF0 && p[1] < 0x90) return 0;   // overlong
        if (b0 == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Number of code points (non-continuation bytes) in an 8-byte word.
inline unsigned leaders_in_word(std::uint64_t w) {
    // A byte is a continuation byte when bit 7 is set and bit 6 is clear; the multiply sums the
    // per-byte flags into the top byte (no popcount instruction needed, wasm included).
    const std::uint64_t cont = (w & ~(w << 1) & kHighBits) >> 7;
    return 8 - static_cast<unsigned>((cont * 0x0101010101010101ULL) >> 56);
}

inline std::uint64_t load(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

}  // namespace

bool is_valid(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        // ASCII fast path, eight bytes at a time.
        while (i + 8 <= s.size()) {
            if (load(s.data() + i) & kHighBits) break;
            i += 8;
        }
        if (i >= s.size()) break;
        const std::size_t n = sequence_length(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::uint64_t count(std::string_view s) {
    std::uint64_t n = 0;
    std::size_t i = 0;
    for (; i + 32 <= s.size(); i += 32) {
        const std::uint64_t w0 = load(s.data() + i), w1 = load(s.data() + i + 8);
        const std::uint64_t w2 = load(s.data() + i + 16), w3 = load(s.data() + i + 24);
        if (((w0 | w1 | w2 | w3) & kHighBits) == 0) {
            n += 32;
        } else {
            n += leaders_in_word(w0) + leaders_in_word(w1) + leaders_in_word(w2) + leaders_in_word(w3);
        }
    }
    for (; i + 8 <= s.size(); i += 8) {
        n += leaders_in_word(load(s.data() + i));
    }
    for (; i < s.size(); ++i) n += !is_continuation(static_cast<unsigned char>(s[i]));
    return n;
}

std::size_t advance(std::string_view s, std::size_t from, std::uint64_t n) {
    const std::size_t end = advance_exact(s, from, n);
    return end == std::string_view::npos ? s.size() : end;
}

std::size_t advance_exact(std::string_view s, std::size_t from, std::uint64_t n) {
    std::size_t i = from;
    // Mostly-ASCII text (code) skips 32 bytes at a time.
    while (n >= 32 && i + 32 <= s.size()) {
        const std::uint64_t w0 = load(s.data() + i), w1 = load(s.data() + i + 8);
        const std::uint64_t w2 = load(s.data() + i + 16), w3 = load(s.data() + i + 24);
        if (((w0 | w1 | w2 | w3) & kHighBits) == 0) {
            n -= 32;
            i += 32;
            continue;
        }
        const unsigned k = leaders_in_word(w0) + leaders_in_word(w1) + leaders_in_word(w2) + leaders_in_word(w3);
        if (k > n) break;
        n -= k;
        i += 32;
    }
    // Skip whole words while the target lies beyond them; a word never splits a sequence's count
    // because we count leaders only, and stop before the word that holds the n-th leader.
    while (n >= 8 && i + 8 <= s.size()) {
        const unsigned k = leaders_in_word(load(s.data() + i));
        if (k > n) break;
        n -= k;
        i += 8;
    }
    // Now walk: move past n leaders, then past the continuation bytes of the last one.
    while (i < s.size()) {
        if (!is_continuation(static_cast<unsigned char>(s[i]))) {
            if (n == 0) return i;
            --n;
        }
        ++i;
    }
    return n == 0 ? s.size() : std::string_view::npos;
}

std::size_t byte_offset(std::string_view s, std::uint64_t index) { return advance(s, 0, index); }

std::string sanitize(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t n = sequence_length(s, i);
        if (n) {
            out.append(s.data() + i, n);
            i += n;
            continue;
        }
        out += "\xEF\xBF\xBD";
        // Replace the maximal ill-formed subpart with one U+FFFD, as the WHATWG decoder does.
        const auto b0 = static_cast<unsigned char>(s[i]);
        std::size_t want = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 1;
        if (b0 > 0xF4) want = 1;
        std::size_t j = i + 1;
        for (; j < s.size() && j < i + want; ++j) {
            const auto b = static_cast<unsigned char>(s[j]);
            unsigned char lo = 0x80, hi = 0xBF;
            if (j == i + 1) {
                if (b0 == 0xE0) lo = 0xA0;
                if (b0 == 0xED) hi = 0x9F;
                if (b0 == 0xF0) lo = 0x90;
                if (b0 == 0xF4) hi = 0x8F;
            }
            if (b < lo || b > hi) break;
        }
        i = j;
    }
    return out;
}

void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace kolabpad::ot::utf8
