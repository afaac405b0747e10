#pragma once
// Editing sessions: the log grouped the way a person remembers it, as runs of edits with no pause
// longer than a setting, split at named versions; and their pages, newest first.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "history/records.hpp"
#include "history/source.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// One user's share of a session.
struct SessionAuthor {
    std::uint64_t user = 0;
    std::uint64_t operations = 0;
    std::uint64_t inserted = 0;
    std::uint64_t deleted = 0;
    std::uint64_t last_revision = 0;  // of this user's last operation in the session

    // Shares are equal when every field is.
    bool operator==(const SessionAuthor&) const = default;
};

// Operations [start, end) with no pause longer than the setting between neighbours and no named
// version strictly inside; or, when start == end, only the version at that revision (a version at
// or before the first kept revision, where no session of the kept log ends).
struct Session {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::int64_t start_time_ms = 0;  // of its first operation (the version's time when empty)
    std::int64_t end_time_ms = 0;    // of its last operation
    std::uint64_t operations = 0;
    std::uint64_t inserted = 0;
    std::uint64_t deleted = 0;
    std::vector<SessionAuthor> authors;    // ascending user id
    std::optional<VersionRecord> version;  // the name given to revision `end`

    // Sessions are equal when every field is.
    bool operator==(const Session& o) const {
        return start == o.start && end == o.end && start_time_ms == o.start_time_ms && end_time_ms == o.end_time_ms &&
               operations == o.operations && inserted == o.inserted && deleted == o.deleted && authors == o.authors &&
               version.has_value() == o.version.has_value() &&
               (!version || (version->revision == o.version->revision && version->name == o.version->name &&
                             version->user == o.version->user && version->time_ms == o.version->time_ms));
    }
};

// Every session of a log, oldest first: `ops` are the summaries of operations [bounds.start,
// bounds.head) ascending, `versions` every named version ascending. A pause longer than `pause_ms`
// between two operations, or a version at a revision, ends a session there.
ot::Result<std::vector<Session>> group_sessions(std::span<const OpSummary> ops, std::span<const VersionRecord> versions,
                                                LogBounds bounds, std::int64_t pause_ms);

// One page of sessions, newest first.
struct SessionPage {
    std::vector<Session> sessions;
    std::optional<std::uint64_t> next_before;  // `before` of the next page; nullopt on the last page
};

// The sessions whose end is below `before` (default: all), newest first, at most `limit` of them,
// grouped exactly as group_sessions would; reads only the operations of those sessions (plus one
// chunk), walking back from `before` in chunks of `chunk` summaries.
ot::Result<SessionPage> page_sessions(Source& source, const std::string& document, LogBounds bounds,
                                      std::optional<std::uint64_t> before, std::uint64_t limit, std::int64_t pause_ms,
                                      std::uint64_t chunk = 4096);

}  // namespace kolabpad::server::history
