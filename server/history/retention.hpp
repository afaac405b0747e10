#pragma once
// Retention (HISTORY_RETENTION_DAYS): which part of an old log a storage may drop, keeping every
// later revision rebuildable, every named version viewable and resume working.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "history/source.hpp"

namespace kolabpad::server::history {

// What to drop: operations and keyframes below `start`, except the keyframes at `keep_keyframes`;
// user-info records below `start` except each user's latest one at or before `start` (authors of
// surviving text keep their names). Versions are never dropped.
struct RetentionPlan {
    std::uint64_t start = 0;                    // the new first kept revision; a keyframe is stored there
    std::vector<std::uint64_t> keep_keyframes;  // revisions below `start` named by a version
    std::vector<std::uint64_t> materialize;     // of those, the ones with no keyframe yet: build them with
                                                // text_at and store them before dropping anything
};

// The plan for a log with `bounds` whose first operation newer than the cutoff is `first_recent`
// (bounds.head when none is). `keyframes` and `versions` are revisions (any order). The new start is
// the latest keyframe at or before first_recent, so what remains starts at a stored text; nullopt
// when that drops nothing.
std::optional<RetentionPlan> plan_retention(LogBounds bounds, std::uint64_t first_recent,
                                            std::span<const std::uint64_t> keyframes,
                                            std::span<const std::uint64_t> versions);

// The cutoff time for `retention_days` at `now_ms`; nullopt when retention is off (0 days).
std::optional<std::int64_t> retention_cutoff_ms(std::uint64_t retention_days, std::int64_t now_ms);

}  // namespace kolabpad::server::history
