#pragma once
// Test fixture for the history: a log written into a MemorySource the way the wired server writes
// it (operations with authors and times, keyframes when the schedule says so), plus the oracle:
// the text and attribution after every revision, computed by plain replay from revision 0.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../ot/random_ops.hpp"
#include "history/keyframes.hpp"
#include "history/memory_source.hpp"
#include "kolabpad/ot.hpp"

namespace kolabpad::server::testing {

namespace ot = kolabpad::ot;

// The operation written in JSON form; fails the test if it does not parse.
inline ot::Operation hop(const std::string& json) {
    auto r = ot::from_json(json);
    INFO(json << ": " << r.error());
    REQUIRE(r.ok());
    return std::move(r).value();
}

// Writes one document's log and remembers every revision's text and attribution.
class LogBuilder {
public:
    LogBuilder(history::MemorySource& source, std::string document, history::KeyframePolicy policy = {})
        : source_(source), document_(std::move(document)), schedule_(policy) {
        texts.push_back("");
        attributions.emplace_back();
    }

    // Sequences `op` (against the current text) by `author` at `time_ms`; stores a keyframe when due.
    void edit(const ot::Operation& op, std::uint64_t author, std::int64_t time_ms) {
        auto text = ot::apply(op, texts.back());
        REQUIRE(text.ok());
        auto attribution = ot::apply(op, attributions.back(), author);
        REQUIRE(attribution.ok());
        const std::uint64_t revision = texts.size() - 1;
        const std::string json = ot::to_json(op);
        REQUIRE(source_.append(document_, history::StoredOp{revision, json, author, time_ms, std::nullopt, std::nullopt}).ok());
        texts.push_back(std::move(text).value());
        attributions.push_back(std::move(attribution).value());
        if (schedule_.note(revision + 1, json.size())) keyframe();
    }
    // A random edit by `author` at `time_ms`: mostly typing-sized (insert, delete or replace at one
    // place), sometimes a random operation over a short text, so texts stay small.
    void random_edit(ot::testing::RandomOps& r, std::uint64_t author, std::int64_t time_ms) {
        edit(random_op(r, ot::utf8::count(texts.back())), author, time_ms);
    }
    // The operation random_edit would apply to a text of `len` code points.
    static ot::Operation random_op(ot::testing::RandomOps& r, std::uint64_t len) {
        if (len < 40 && r.between(0, 4) == 0) return r.operation(len);
        const std::uint64_t pos = r.between(0, len);
        const std::uint64_t cut = r.between(0, 2) == 0 ? std::min<std::uint64_t>(r.between(1, 6), len - pos) : 0;
        ot::Operation o;
        o.retain(pos);
        if (cut == 0 || r.between(0, 1)) o.insert(r.text(r.between(1, 4)));
        o.remove(cut);
        o.retain(len - pos - cut);
        return o;
    }
    // Stores a keyframe at the current revision (as a snapshot or a named version would).
    void keyframe() {
        const std::uint64_t revision = texts.size() - 1;
        source_.put_keyframe(document_, history::keyframe_record({revision, texts.back(), attributions.back()}));
        schedule_.saved(revision);
    }
    // The current revision.
    std::uint64_t revision() const { return texts.size() - 1; }

    std::vector<std::string> texts;               // texts[r]: after r operations
    std::vector<ot::Attribution> attributions;    // attributions[r]: after r operations

private:
    history::MemorySource& source_;
    std::string document_;
    history::KeyframeSchedule schedule_;
};

}  // namespace kolabpad::server::testing
