#include "history/diff.hpp"

#include <algorithm>

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::history {
namespace {

// Walks an attribution forward, handing out the authors of the next n code points as runs.
class RunCursor {
public:
    explicit RunCursor(const ot::Attribution& a) : runs_(a.runs()) {}

    // Calls f(length, author) for each run piece covering the next n code points.
    template <class F>
    void take(std::uint64_t n, F&& f) {
        while (n > 0 && i_ < runs_.size()) {
            const std::uint64_t k = std::min(runs_[i_].length - used_, n);
            f(k, runs_[i_].author);
            used_ += k;
            n -= k;
            if (used_ == runs_[i_].length) {
                ++i_;
                used_ = 0;
            }
        }
    }

private:
    const std::vector<ot::AuthorRun>& runs_;
    std::size_t i_ = 0;
    std::uint64_t used_ = 0;
};

void push(std::vector<Span>& spans, Span::Kind kind, std::string_view text, std::uint64_t author) {
    if (text.empty()) return;
    if (!spans.empty() && spans.back().kind == kind && spans.back().author == author) {
        spans.back().text.append(text);
    } else {
        spans.push_back(Span{kind, std::string(text), author});
    }
}

// Adds the n code points of `text` from byte `byte` on as spans of `kind`, split by the authors
// `cursor` hands out; returns the byte after them.
std::size_t add(std::vector<Span>& spans, Span::Kind kind, std::string_view text, std::size_t byte, std::uint64_t n,
                RunCursor& cursor) {
    cursor.take(n, [&](std::uint64_t k, std::uint64_t author) {
        const std::size_t end = ot::utf8::advance(text, byte, k);
        push(spans, kind, text.substr(byte, end - byte), author);
        byte = end;
    });
    return byte;
}

}  // namespace

const char* method_name(Method m) { return m == Method::composed ? "composed" : "text_diff"; }

ot::Result<ot::Operation> compose_all(std::span<const OpRecord> ops, std::uint64_t base_len) {
    if (ops.empty()) return ot::Operation().retain(base_len);
    if (ops.front().operation.base_len() != base_len) {
        return ot::Error{"operation " + std::to_string(ops.front().revision) + " applies to " +
                         std::to_string(ops.front().operation.base_len()) + " code points, not " +
                         std::to_string(base_len)};
    }
    std::vector<ot::Operation> level;
    level.reserve((ops.size() + 1) / 2);
    for (std::size_t i = 0; i < ops.size(); i += 2) {
        if (i + 1 == ops.size()) {
            level.push_back(ops[i].operation);
            break;
        }
        auto c = ot::compose(ops[i].operation, ops[i + 1].operation);
        if (!c) return ot::Error{"operation " + std::to_string(ops[i + 1].revision) + ": " + c.error()};
        level.push_back(std::move(c).value());
    }
    while (level.size() > 1) {
        std::size_t out = 0;
        for (std::size_t i = 0; i < level.size(); i += 2) {
            if (i + 1 == level.size()) {
                level[out++] = std::move(level[i]);
                break;
            }
            auto c = ot::compose(level[i], level[i + 1]);
            if (!c) return ot::Error{"the operations do not line up: " + c.error()};
            level[out++] = std::move(c).value();
        }
        level.resize(out);
    }
    return std::move(level.front());
}

ot::Result<Diff> make_diff(const Keyframe& a, const Keyframe& b, ot::Operation a_to_b, Method method) {
    auto check = ot::apply(a_to_b, a.text);
    if (!check || *check != b.text) {
        return ot::Error{"the operation from " + std::to_string(a.revision) + " does not give the text at " +
                         std::to_string(b.revision)};
    }
    if (a.attribution.length() != a_to_b.base_len() || b.attribution.length() != a_to_b.target_len()) {
        return ot::Error{"an attribution does not cover its text"};
    }
    Diff d{a.revision, b.revision, method, std::move(a_to_b), {}};
    RunCursor before(a.attribution), after(b.attribution);
    std::size_t byte = 0;  // in a.text
    for (const ot::Component& c : d.operation.components()) {
        switch (c.kind) {
            case ot::Kind::retain:  // kept text is told by its author at `to`
                byte = add(d.spans, Span::Kind::kept, a.text, byte, c.n, after);
                before.take(c.n, [](std::uint64_t, std::uint64_t) {});
                break;
            case ot::Kind::insert: add(d.spans, Span::Kind::inserted, c.text, 0, c.n, after); break;
            case ot::Kind::remove: byte = add(d.spans, Span::Kind::deleted, a.text, byte, c.n, before); break;
        }
    }
    return d;
}

}  // namespace kolabpad::server::history
