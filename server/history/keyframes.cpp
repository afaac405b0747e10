#include "history/keyframes.hpp"

#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::history {

ot::Result<Keyframe> parse_keyframe(KeyframeRecord record, std::uint64_t max_code_points) {
    const std::string where = "keyframe " + std::to_string(record.revision) + ": ";
    if (!ot::utf8::is_valid(record.text)) return ot::Error{where + "the text is not valid UTF-8"};
    const std::uint64_t length = ot::utf8::count(record.text);
    if (length > max_code_points) {
        return ot::Error{where + "the text has " + std::to_string(length) + " code points, more than " +
                         std::to_string(max_code_points)};
    }
    Keyframe k{record.revision, std::move(record.text), ot::Attribution::uniform(length, ot::unknown_author)};
    if (record.attribution_json) {
        auto a = ot::attribution_from_json(*record.attribution_json, length);
        if (!a) return ot::Error{where + a.error()};
        k.attribution = std::move(a).value();
    }
    return k;
}

KeyframeRecord keyframe_record(const Keyframe& k) { return {k.revision, k.text, ot::to_json(k.attribution)}; }

KeyframeSchedule::KeyframeSchedule(KeyframePolicy policy, std::uint64_t last_keyframe)
    : policy_(policy), last_(last_keyframe) {}

bool KeyframeSchedule::note(std::uint64_t revision, std::uint64_t op_bytes) {
    if (revision <= last_) return false;
    ++ops_;
    bytes_ += op_bytes;
    return ops_ >= policy_.every_ops || bytes_ >= policy_.every_bytes;
}

void KeyframeSchedule::saved(std::uint64_t revision) {
    if (revision < last_) return;
    last_ = revision;
    ops_ = 0;
    bytes_ = 0;
}

ot::Result<Keyframe> replay(Keyframe at, std::span<const OpRecord> ops, std::uint64_t revision) {
    if (revision < at.revision) {
        return ot::Error{"cannot replay back from " + std::to_string(at.revision) + " to " + std::to_string(revision)};
    }
    const std::uint64_t needed = revision - at.revision;
    if (ops.size() < needed) {
        return ot::Error{"operations " + std::to_string(at.revision + ops.size()) + " to " + std::to_string(revision) +
                         " are missing"};
    }
    for (std::size_t i = 0; i < needed;) {
        if (ops[i].revision != at.revision + i) {
            return ot::Error{"operation " + std::to_string(at.revision + i) + " is missing"};
        }
        // Compose the run of operations by this author: one pass over text and attribution per run.
        const std::uint64_t author = ops[i].author;
        ot::Operation run = ops[i].operation;
        std::size_t j = i + 1;
        for (; j < needed && ops[j].author == author && ops[j].revision == at.revision + j; ++j) {
            auto c = ot::compose(run, ops[j].operation);
            if (!c) return ot::Error{"operation " + std::to_string(ops[j].revision) + ": " + c.error()};
            run = std::move(c).value();
        }
        auto text = ot::apply(run, at.text);
        if (!text) return ot::Error{"operation " + std::to_string(ops[i].revision) + ": " + text.error()};
        auto attribution = ot::apply(run, at.attribution, author);
        if (!attribution) return ot::Error{"operation " + std::to_string(ops[i].revision) + ": " + attribution.error()};
        at.text = std::move(text).value();
        at.attribution = std::move(attribution).value();
        i = j;
    }
    at.revision = revision;
    return at;
}

}  // namespace kolabpad::server::history
