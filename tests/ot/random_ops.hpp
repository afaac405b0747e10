#pragma once
// Seeded random texts and operations for property tests, with emoji, joiners and astral characters.

#include <random>
#include <string>
#include <vector>

#include "kolabpad/ot.hpp"

namespace kolabpad::ot::testing {

// Which pieces random texts are made of.
enum class Alphabet {
    basic,  // one code point each: ASCII, Latin, CJK, emoji, a lone ZWJ, astral math
    hard,   // also whole joiner sequences, flags, skin tones, combining marks, U+FEFF, CRLF
};

// Random texts and operations drawn from one seeded generator.
class RandomOps {
public:
    explicit RandomOps(std::uint64_t seed, Alphabet alphabet = Alphabet::basic) : rng_(seed), alphabet_(alphabet) {}

    // A random number in [lo, hi].
    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
    }

    // A random string of `n` pieces: with Alphabet::basic, n code points mixing ASCII, Latin, CJK, emoji
    // and ZWJ sequences' parts; with Alphabet::hard, pieces may be several code points long.
    std::string text(std::uint64_t n) {
        static const char* const pieces[] = {"a", "b", "c", " ", "\n", "é", "世", "🎉", "👨", "\u200d", "𝕳", "\"", "\\", "\t"};
        static const char* const hard[] = {"a", " ", "\n", "\r\n", "\uFEFF", "\u200d", "e\u0301", "🎉",
                                           "👨\u200d👩\u200d👧\u200d👦", "👍🏽", "🇫🇷", "\u2028", "世", "𝕳", "\"", "\\"};
        std::string s;
        for (std::uint64_t i = 0; i < n; ++i) {
            s += alphabet_ == Alphabet::hard ? hard[between(0, std::size(hard) - 1)] : pieces[between(0, std::size(pieces) - 1)];
        }
        return s;
    }

    // A random operation applying to a text of `len` code points.
    Operation operation(std::uint64_t len) {
        Operation o;
        std::uint64_t left = len;
        while (left > 0) {
            const std::uint64_t n = between(1, std::min<std::uint64_t>(left, 6));
            switch (between(0, 3)) {
                case 0: o.insert(text(between(1, 4))); break;
                case 1: o.remove(n); left -= n; break;
                default: o.retain(n); left -= n; break;
            }
        }
        if (between(0, 1)) o.insert(text(between(1, 3)));
        return o;
    }

private:
    std::mt19937_64 rng_;
    Alphabet alphabet_;
};

}  // namespace kolabpad::ot::testing
