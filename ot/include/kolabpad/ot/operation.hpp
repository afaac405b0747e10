#pragma once
// Operation: a retain/insert/delete sequence over a whole text, in code points, kept in canonical form,
// and the algebra on it (apply, compose, transform, invert, transform_index).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::ot {

// The kind of one component of an operation.
enum class Kind : std::uint8_t { retain, insert, remove };

// One component: retain or remove `n` code points, or insert `text` (valid UTF-8 of `n` code points).
struct Component {
    Kind kind;
    std::uint64_t n;
    std::string text;  // only for Kind::insert

    // Components are equal when kind, length and inserted text are.
    bool operator==(const Component& o) const { return kind == o.kind && n == o.n && text == o.text; }
    bool operator!=(const Component& o) const { return !(*this == o); }
};

// A text operation in canonical form: no empty components, no two neighbours of one kind,
// and an insert never directly after a remove.
class Operation {
public:
    // The empty operation (applies to the empty text).
    Operation() = default;

    // Appends retain(n); n == 0 does nothing.
    Operation& retain(std::uint64_t n);
    // Appends insert(text); `text` must be valid UTF-8; "" does nothing.
    Operation& insert(std::string_view text);
    // Appends insert(text) whose code-point length the caller already knows.
    Operation& insert(std::string_view text, std::uint64_t code_points);
    // Appends a delete of n code points; n == 0 does nothing.
    Operation& remove(std::uint64_t n);
    // Appends any component, keeping the canonical form.
    Operation& push(const Component& c);

    // The components, in order.
    const std::vector<Component>& components() const { return ops_; }
    // Length of the text this operation applies to.
    std::uint64_t base_len() const { return base_len_; }
    // Length of the text it produces.
    std::uint64_t target_len() const { return target_len_; }
    // True when applying it changes nothing (only retains, or nothing).
    bool is_noop() const;
    // Reserves room for n components.
    void reserve(std::size_t n) { ops_.reserve(n); }

    // Operations are equal when their canonical forms are.
    bool operator==(const Operation& o) const { return ops_ == o.ops_; }
    bool operator!=(const Operation& o) const { return !(*this == o); }

private:
    std::vector<Component> ops_;
    std::uint64_t base_len_ = 0;
    std::uint64_t target_len_ = 0;
};

// Applies `op` to UTF-8 `text`; fails unless text has op.base_len() code points.
// Call it qualified (ot::apply): with a std::string argument, ADL also finds std::apply.
Result<std::string> apply(const Operation& op, std::string_view text);

// The single operation equal to `a` then `b`; fails unless a.target_len() == b.base_len().
Result<Operation> compose(const Operation& a, const Operation& b);

// (a', b') with apply(b', apply(a, s)) == apply(a', apply(b, s)); a's insert goes first on ties.
// Fails unless a.base_len() == b.base_len().
Result<std::pair<Operation, Operation>> transform(const Operation& a, const Operation& b);

// The operation that undoes `op` applied to `text`; fails unless text has op.base_len() code points.
Result<Operation> invert(const Operation& op, std::string_view text);

// Transforms `op` (the left operand) over each of `newer` in turn: what the server does to a stale edit.
// Fails on the first base-length mismatch.
Result<Operation> transform_over(Operation op, std::span<const Operation> newer);

// Where code-point position `p` moves when `op` is applied (inserts at p push it right;
// inside a deleted range it lands at the range's start; past the end it is shifted, not clamped).
std::uint64_t transform_index(const Operation& op, std::uint64_t p);

}  // namespace kolabpad::ot
