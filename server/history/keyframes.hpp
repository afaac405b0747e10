#pragma once
// Keyframes: the text and its attribution stored every so often, so that the text at any revision
// is the nearest keyframe at or before it plus a bounded replay of the operations after it.

#include <cstdint>
#include <span>
#include <string>

#include "history/options.hpp"
#include "history/records.hpp"
#include "kolabpad/ot/attribution.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// The text and who wrote each of its code points, after `revision` operations.
struct Keyframe {
    std::uint64_t revision = 0;
    std::string text;
    ot::Attribution attribution;  // covers text exactly
};

// Checks and parses a stored keyframe (untrusted): the text must be valid UTF-8 of at most
// `max_code_points`, the attribution must cover it exactly; a missing attribution (a keyframe from
// before authorship was kept) becomes one run of unknown_author.
ot::Result<Keyframe> parse_keyframe(KeyframeRecord record, std::uint64_t max_code_points);

// The stored form of a keyframe (the attribution serialized).
KeyframeRecord keyframe_record(const Keyframe& keyframe);

// Decides, one operation at a time, when the policy wants the next keyframe.
class KeyframeSchedule {
public:
    // A schedule whose last keyframe is at `last_keyframe`.
    explicit KeyframeSchedule(KeyframePolicy policy, std::uint64_t last_keyframe = 0);
    // Notes the operation that produced `revision` (op_bytes: the size of its JSON form); true when
    // a keyframe is due at `revision`. Counting restarts there once saved() is called.
    bool note(std::uint64_t revision, std::uint64_t op_bytes);
    // A keyframe was stored at `revision` (by this schedule, a snapshot, or anything else).
    void saved(std::uint64_t revision);
    // Revision of the last keyframe saved.
    std::uint64_t last() const { return last_; }

private:
    KeyframePolicy policy_;
    std::uint64_t last_ = 0;
    std::uint64_t ops_ = 0;    // operations since last_
    std::uint64_t bytes_ = 0;  // their bytes
};

// Moves `at` forward through `ops` (consecutive, the first at at.revision) up to `revision`; each
// run of operations by one author is composed first and then applied once to text and attribution.
// Fails when an operation is missing or does not apply (a corrupt log).
ot::Result<Keyframe> replay(Keyframe at, std::span<const OpRecord> ops, std::uint64_t revision);

}  // namespace kolabpad::server::history
