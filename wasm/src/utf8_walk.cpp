#include "utf8_walk.hpp"

#include <cstring>

namespace kolabpad::wasm {
namespace {

constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

inline std::uint64_t load(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

// Per byte of w, 1 for a lead byte (anything but 10xxxxxx): the code points that start in w.
inline unsigned leads(std::uint64_t w) {
    return static_cast<unsigned>(((((~w | (w << 1)) & kHigh) >> 7) * kOnes) >> 56);
}

// Per byte of w, 1 for a 4-byte lead (11110xxx): the code points in w that take two UTF-16 units.
inline unsigned fours(std::uint64_t w) {
    return static_cast<unsigned>((((w & (w << 1) & (w << 2) & (w << 3) & kHigh) >> 7) * kOnes) >> 56);
}

inline bool is_lead(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }
inline bool is_four(char c) { return static_cast<unsigned char>(c) >= 0xF0; }

}  // namespace

Spot walk_forward(std::string_view s, Spot at, std::uint64_t n) {
    const char* p = s.data();
    // Whole blocks, then words, while the n-th code point's lead byte lies beyond them. Counting
    // leads only, a block that ends inside a sequence is fine: its continuations count nothing.
    while (n >= 32 && at.byte + 32 <= s.size()) {
        const std::uint64_t w0 = load(p + at.byte), w1 = load(p + at.byte + 8);
        const std::uint64_t w2 = load(p + at.byte + 16), w3 = load(p + at.byte + 24);
        unsigned k = 32;
        unsigned units = 32;
        if (((w0 | w1 | w2 | w3) & kHigh) != 0) {
            k = leads(w0) + leads(w1) + leads(w2) + leads(w3);
            if (k > n) break;
            units = k + fours(w0) + fours(w1) + fours(w2) + fours(w3);
        }
        at.byte += 32;
        at.unit += units;
        n -= k;
    }
    while (n >= 8 && at.byte + 8 <= s.size()) {
        const std::uint64_t w = load(p + at.byte);
        const unsigned k = leads(w);
        if (k > n) break;
        at.byte += 8;
        at.unit += k + fours(w);
        n -= k;
    }
    // Byte by byte: past n leads, then past the continuation bytes of the last one.
    while (at.byte < s.size()) {
        const char c = p[at.byte];
        if (is_lead(c)) {
            if (n == 0) break;
            --n;
            at.unit += is_four(c) ? 2 : 1;
        }
        ++at.byte;
    }
    return at;
}

Spot walk_backward(std::string_view s, Spot at, std::uint64_t n) {
    const char* p = s.data();
    // Whole blocks, then words, while they hold at most n leads. One that starts inside a sequence
    // leaves that sequence's lead (its code point) uncounted, for a later step.
    while (n >= 32 && at.byte >= 32) {
        const std::uint64_t w0 = load(p + at.byte - 32), w1 = load(p + at.byte - 24);
        const std::uint64_t w2 = load(p + at.byte - 16), w3 = load(p + at.byte - 8);
        unsigned k = 32;
        unsigned units = 32;
        if (((w0 | w1 | w2 | w3) & kHigh) != 0) {
            k = leads(w0) + leads(w1) + leads(w2) + leads(w3);
            if (k > n) break;
            units = k + fours(w0) + fours(w1) + fours(w2) + fours(w3);
        }
        at.byte -= 32;
        at.unit -= units;
        n -= k;
    }
    while (n >= 8 && at.byte >= 8) {
        const std::uint64_t w = load(p + at.byte - 8);
        const unsigned k = leads(w);
        if (k > n) break;
        at.byte -= 8;
        at.unit -= k + fours(w);
        n -= k;
    }
    if (n == 0) {
        // The last step may have started inside an uncounted sequence: the place is its end.
        while (at.byte < s.size() && !is_lead(p[at.byte])) ++at.byte;
        return at;
    }
    // Byte by byte: back over n leads (with their continuation bytes).
    while (n > 0 && at.byte > 0) {
        --at.byte;
        const char c = p[at.byte];
        if (is_lead(c)) {
            --n;
            at.unit -= is_four(c) ? 2 : 1;
        }
    }
    return at;
}

std::size_t utf16_length(std::string_view s) {
    const char* p = s.data();
    std::size_t units = 0;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        const std::uint64_t w = load(p + i);
        units += (w & kHigh) == 0 ? 8 : leads(w) + fours(w);
    }
    for (; i < s.size(); ++i) {
        if (is_lead(p[i])) units += is_four(p[i]) ? 2 : 1;
    }
    return units;
}

}  // namespace kolabpad::wasm
