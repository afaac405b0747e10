#pragma once
// What changed between two revisions: the operation from one to the other, and display spans
// (kept, inserted and deleted text with its authors).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "history/keyframes.hpp"
#include "history/records.hpp"
#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// How an operation between two revisions was found.
enum class Method {
    composed,   // the log's operations between them, composed: exactly what happened
    text_diff,  // a diff of the two texts (the log between them is not kept, or too long)
};

// The name of a method in JSON: "composed" or "text_diff".
const char* method_name(Method m);

// One stretch of a diff's display.
struct Span {
    enum class Kind : std::uint8_t { kept, inserted, deleted };
    Kind kind = Kind::kept;
    std::string text;
    // kept and inserted: who wrote it (the attribution at the later revision); deleted: who had
    // written it (the attribution at the earlier one). ot::unknown_author when never recorded.
    std::uint64_t author = 0;

    // Spans are equal when kind, text and author are.
    bool operator==(const Span&) const = default;
};

// The change from revision `from` to revision `to`.
struct Diff {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    Method method = Method::composed;
    ot::Operation operation;  // applies to the text at `from`, gives the text at `to`
    std::vector<Span> spans;  // in text order; kept + inserted spell the text at `to`, kept + deleted the one at `from`
};

// The single operation equal to `ops` applied in order to a text of `base_len` code points (the
// identity retain(base_len) for none), composed pairwise in a balanced tree so that a long range
// costs O(n log n) components, not O(n^2). Fails when they do not line up.
ot::Result<ot::Operation> compose_all(std::span<const OpRecord> ops, std::uint64_t base_len);

// The diff from `a` to `b` given the operation between them (checked: it must turn a's text into b's).
ot::Result<Diff> make_diff(const Keyframe& a, const Keyframe& b, ot::Operation a_to_b, Method method);

}  // namespace kolabpad::server::history
