#pragma once
// The history's settings, each from one environment variable (docs/history.md, docs/configuration.md).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// When a keyframe (text + attribution) is stored: after `every_ops` operations or `every_bytes`
// bytes of operation JSON since the last one, whichever comes first. So rebuilding any revision
// replays at most every_ops operations, of at most every_bytes bytes plus the last one.
struct KeyframePolicy {
    std::uint64_t every_ops = 100;         // HISTORY_KEYFRAME_OPS
    std::uint64_t every_bytes = 64 * 1024;  // HISTORY_KEYFRAME_KB
};

// Every setting of the history, with its default.
struct HistoryOptions {
    KeyframePolicy keyframes;
    std::uint64_t retention_days = 0;            // HISTORY_RETENTION_DAYS (0 = keep everything)
    std::int64_t session_pause_ms = 5 * 60'000;  // HISTORY_SESSION_PAUSE_MINUTES: a longer pause ends a session
    std::uint64_t page_limit_max = 100;          // HISTORY_PAGE_MAX: the largest ?limit= of /api/history
    std::uint64_t diff_max_ops = 20'000;         // HISTORY_DIFF_MAX_OPS: longer ranges are diffed as texts
    std::uint64_t text_diff_max_steps = 20'000'000;  // HISTORY_TEXT_DIFF_MAX_STEPS: work budget of one text diff
    std::uint64_t version_name_max = 100;        // HISTORY_VERSION_NAME_MAX: code points of a version name
};

// ?limit= when a request gives none.
inline constexpr std::uint64_t default_page_limit = 20;

// Looks up one environment variable (nullopt when unset): the same shape as Config's EnvLookup.
using HistoryEnv = std::function<std::optional<std::string>(std::string_view name)>;

// Parses the HISTORY_* variables through `env`; an empty value counts as unset. On a bad value the
// error message starts with the variable's name ("HISTORY_KEYFRAME_OPS: ...").
ot::Result<HistoryOptions> parse_history_options(const HistoryEnv& env);

}  // namespace kolabpad::server::history
