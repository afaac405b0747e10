#pragma once
// Attribution: who wrote each code point of a text, as runs of (length, author), moved through
// operations exactly as the text is; and its compact serialized form.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::ot {

// The author of text whose origin was never recorded (written before authorship was kept).
inline constexpr std::uint64_t unknown_author = ~std::uint64_t{0};
// Largest author id the serialized form carries (2^53 - 1: exact as a JavaScript number).
inline constexpr std::uint64_t max_author = (std::uint64_t{1} << 53) - 1;

// `length` consecutive code points written by `author`.
struct AuthorRun {
    std::uint64_t length = 0;
    std::uint64_t author = 0;

    // Runs are equal when length and author are.
    bool operator==(const AuthorRun&) const = default;
};

// Runs covering a text in order, canonical: no empty run, no two neighbours by the same author.
class Attribution {
public:
    // The attribution of the empty text.
    Attribution() = default;
    // A text of `length` code points, all by `author`.
    static Attribution uniform(std::uint64_t length, std::uint64_t author);

    // Appends `length` code points by `author`, merging with the last run; 0 does nothing.
    Attribution& append(std::uint64_t length, std::uint64_t author);
    // Appends runs that are canonical among themselves (as a slice of an attribution's runs() is),
    // merging the first with the last run.
    Attribution& append(std::span<const AuthorRun> canonical);
    // The runs, in text order.
    const std::vector<AuthorRun>& runs() const { return runs_; }
    // Code points covered (the sum of the run lengths).
    std::uint64_t length() const { return length_; }
    // The author of code point `index`; unknown_author when index >= length().
    std::uint64_t author_at(std::uint64_t index) const;
    // The attribution of code points [from, from + n) (clipped to the text).
    Attribution slice(std::uint64_t from, std::uint64_t n) const;
    // Reserves room for n runs.
    void reserve(std::size_t n) { runs_.reserve(n); }

    // Attributions are equal when their runs are.
    bool operator==(const Attribution& o) const { return runs_ == o.runs_; }

private:
    std::vector<AuthorRun> runs_;
    std::uint64_t length_ = 0;
};

// The attribution of apply(op, text) when `attribution` covers text: retained code points keep their
// authors, deleted ones go, inserted ones are `author`'s. Fails unless attribution.length() == op.base_len().
Result<Attribution> apply(const Operation& op, const Attribution& attribution, std::uint64_t author);

// The serialized form: a flat JSON array [length, author, length, author, ...], author -1 for
// unknown_author; `[]` for the empty text. Example: [5,0,3,-1].
std::string to_json(const Attribution& a);
// Appends the serialized form of `a` to `out`.
void append_json(std::string& out, const Attribution& a);

// Parses the serialized form (untrusted: from storage or a client). Lengths must be positive integers,
// authors integers in [-1, max_author], the lengths must sum to exactly `expected_length` (the text's
// code points), and no number may exceed 2^53 - 1; neighbours by the same author are merged. Work
// and memory are linear in json.size(); anything else is an error.
Result<Attribution> attribution_from_json(std::string_view json, std::uint64_t expected_length);

}  // namespace kolabpad::ot
