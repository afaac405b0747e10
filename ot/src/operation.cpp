#include "kolabpad/ot/operation.hpp"

#include <algorithm>

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::ot {

Operation& Operation::retain(std::uint64_t n) {
    if (n == 0) return *this;
    base_len_ += n;
    target_len_ += n;
    if (!ops_.empty() && ops_.back().kind == Kind::retain) {
        ops_.back().n += n;
    } else {
        ops_.push_back({Kind::retain, n, {}});
    }
    return *this;
}

Operation& Operation::insert(std::string_view text) { return insert(text, utf8::count(text)); }

Operation& Operation::insert(std::string_view text, std::uint64_t code_points) {
    if (code_points == 0) return *this;
    target_len_ += code_points;
    const std::size_t size = ops_.size();
    if (size > 0 && ops_.back().kind == Kind::insert) {
        ops_.back().n += code_points;
        ops_.back().text.append(text);
    } else if (size > 0 && ops_.back().kind == Kind::remove) {
        // Canonical form: an insert never follows a delete; it goes in front of it.
        if (size > 1 && ops_[size - 2].kind == Kind::insert) {
            ops_[size - 2].n += code_points;
            ops_[size - 2].text.append(text);
        } else {
            ops_.insert(ops_.end() - 1, Component{Kind::insert, code_points, std::string(text)});
        }
    } else {
        ops_.push_back({Kind::insert, code_points, std::string(text)});
    }
    return *this;
}

Operation& Operation::remove(std::uint64_t n) {
    if (n == 0) return *this;
    base_len_ += n;
    if (!ops_.empty() && ops_.back().kind == Kind::remove) {
        ops_.back().n += n;
    } else {
        ops_.push_back({Kind::remove, n, {}});
    }
    return *this;
}

Operation& Operation::push(const Component& c) {
    switch (c.kind) {
        case Kind::retain: return retain(c.n);
        case Kind::insert: return insert(c.text, c.n);
        case Kind::remove: return remove(c.n);
    }
    return *this;
}

bool Operation::is_noop() const {
    return std::all_of(ops_.begin(), ops_.end(), [](const Component& c) { return c.kind == Kind::retain; });
}

namespace {

// Walks the components of an operation, allowing a component to be consumed in pieces.
class Reader {
public:
    explicit Reader(const Operation& op) : ops_(op.components()) {}

    bool done() const { return index_ >= ops_.size(); }
    Kind kind() const { return ops_[index_].kind; }
    std::uint64_t left() const { return ops_[index_].n - used_; }

    // Consumes k code points of the current component (k <= left()).
    void skip(std::uint64_t k) {
        if (kind() == Kind::insert && k < left()) byte_ = utf8::advance(ops_[index_].text, byte_, k);
        used_ += k;
        if (used_ == ops_[index_].n) next();
    }

    // Consumes k code points of the current insert and returns them.
    std::string_view take_text(std::uint64_t k) {
        const std::string& text = ops_[index_].text;
        const std::size_t from = byte_;
        const std::size_t to = k == left() ? text.size() : utf8::advance(text, from, k);
        byte_ = to;
        used_ += k;
        if (used_ == ops_[index_].n) next();
        return std::string_view(text).substr(from, to - from);
    }

private:
    void next() {
        ++index_;
        used_ = 0;
        byte_ = 0;
    }

    const std::vector<Component>& ops_;
    std::size_t index_ = 0;
    std::uint64_t used_ = 0;
    std::size_t byte_ = 0;
};

Error length_error(const char* what, std::uint64_t expected, std::uint64_t actual) {
    return Error{std::string(what) + ": expected length " + std::to_string(expected) + ", got " +
                 std::to_string(actual)};
}

}  // namespace

Result<std::string> apply(const Operation& op, std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t pos = 0;
    for (const Component& c : op.components()) {
        if (c.kind == Kind::insert) {
            out.append(c.text);
            continue;
        }
        const std::size_t end = utf8::advance_exact(text, pos, c.n);
        if (end == std::string_view::npos) {
            return length_error("apply: text shorter than the operation's base", op.base_len(), utf8::count(text));
        }
        if (c.kind == Kind::retain) out.append(text.substr(pos, end - pos));
        pos = end;
    }
    if (pos != text.size()) {
        return length_error("apply: text longer than the operation's base", op.base_len(), utf8::count(text));
    }
    return out;
}

Result<Operation> compose(const Operation& a, const Operation& b) {
    if (a.target_len() != b.base_len()) return length_error("compose", a.target_len(), b.base_len());
    Operation out;
    out.reserve(a.components().size() + b.components().size());
    Reader ra(a), rb(b);
    while (!ra.done() || !rb.done()) {
        if (!ra.done() && ra.kind() == Kind::remove) {
            out.remove(ra.left());
            ra.skip(ra.left());
            continue;
        }
        if (!rb.done() && rb.kind() == Kind::insert) {
            const std::uint64_t k = rb.left();
            out.insert(rb.take_text(k), k);
            continue;
        }
        if (ra.done() || rb.done()) return Error{"compose: operations do not line up"};
        const std::uint64_t k = std::min(ra.left(), rb.left());
        if (ra.kind() == Kind::retain) {
            if (rb.kind() == Kind::retain) out.retain(k); else out.remove(k);
            ra.skip(k);
        } else if (rb.kind() == Kind::retain) {
            out.insert(ra.take_text(k), k);
        } else {
            ra.skip(k);  // inserted by a, deleted by b: nothing remains
        }
        rb.skip(k);
    }
    return out;
}

Result<std::pair<Operation, Operation>> transform(const Operation& a, const Operation& b) {
    if (a.base_len() != b.base_len()) return length_error("transform", a.base_len(), b.base_len());
    Operation a2, b2;
    a2.reserve(a.components().size() + b.components().size());
    b2.reserve(a.components().size() + b.components().size());
    Reader ra(a), rb(b);
    while (!ra.done() || !rb.done()) {
        if (!ra.done() && ra.kind() == Kind::insert) {  // a's insert goes first on ties
            const std::uint64_t k = ra.left();
            a2.insert(ra.take_text(k), k);
            b2.retain(k);
            continue;
        }
        if (!rb.done() && rb.kind() == Kind::insert) {
            const std::uint64_t k = rb.left();
            b2.insert(rb.take_text(k), k);
            a2.retain(k);
            continue;
        }
        if (ra.done() || rb.done()) return Error{"transform: operations do not line up"};
        const std::uint64_t k = std::min(ra.left(), rb.left());
        const Kind ka = ra.kind(), kb = rb.kind();
        if (ka == Kind::retain && kb == Kind::retain) {
            a2.retain(k);
            b2.retain(k);
        } else if (ka == Kind::remove && kb == Kind::retain) {
            a2.remove(k);
        } else if (ka == Kind::retain && kb == Kind::remove) {
            b2.remove(k);
        }  // both delete the same range: neither needs to
        ra.skip(k);
        rb.skip(k);
    }
    return std::pair<Operation, Operation>(std::move(a2), std::move(b2));
}

Result<Operation> transform_over(Operation op, std::span<const Operation> newer) {
    for (const Operation& h : newer) {
        auto r = transform(op, h);
        if (!r) return Error{r.error()};
        op = std::move(r->first);
    }
    return op;
}

Result<Operation> invert(const Operation& op, std::string_view text) {
    Operation out;
    out.reserve(op.components().size());
    std::size_t pos = 0;
    for (const Component& c : op.components()) {
        if (c.kind == Kind::insert) {
            out.remove(c.n);
            continue;
        }
        const std::size_t end = utf8::advance_exact(text, pos, c.n);
        if (end == std::string_view::npos) {
            return length_error("invert: text shorter than the operation's base", op.base_len(), utf8::count(text));
        }
        if (c.kind == Kind::retain) {
            out.retain(c.n);
        } else {
            out.insert(text.substr(pos, end - pos), c.n);
        }
        pos = end;
    }
    if (pos != text.size()) {
        return length_error("invert: text longer than the operation's base", op.base_len(), utf8::count(text));
    }
    return out;
}

std::uint64_t transform_index(const Operation& op, std::uint64_t p) {
    // `rest` is how far p still lies beyond the components walked so far (negative once passed).
    std::int64_t rest = static_cast<std::int64_t>(p);
    std::int64_t moved = rest;
    for (const Component& c : op.components()) {
        const auto n = static_cast<std::int64_t>(c.n);
        switch (c.kind) {
            case Kind::retain: rest -= n; break;
            case Kind::insert: moved += n; break;
            case Kind::remove:
                moved -= std::min(rest, n);
                rest -= n;
                break;
        }
        if (rest < 0) break;
    }
    return static_cast<std::uint64_t>(moved);
}

}  // namespace kolabpad::ot
