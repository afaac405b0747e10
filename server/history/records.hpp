#pragma once
// The plain records the history is built from, as any storage (SQLite, PostgreSQL) can read them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// One operation of a document's log, as stored (its JSON form is untrusted until parsed).
struct StoredOp {
    std::uint64_t revision = 0;  // its index in the log: it turns the text at `revision` into revision + 1
    std::string operation_json;
    std::uint64_t author = 0;    // user id of the connection that sent it
    std::int64_t time_ms = 0;    // unix milliseconds when it was sequenced
    std::optional<std::string> client;
    std::optional<std::uint64_t> seq;
};

// One operation of the log, parsed.
struct OpRecord {
    std::uint64_t revision = 0;
    ot::Operation operation;
    std::uint64_t author = 0;
    std::int64_t time_ms = 0;
    std::optional<std::string> client;
    std::optional<std::uint64_t> seq;
};

// Parses a stored operation; fails when its JSON form is invalid.
ot::Result<OpRecord> parse_op(const StoredOp& stored);

// What the session list needs of one operation: small enough to read for a whole log.
struct OpSummary {
    std::uint64_t revision = 0;
    std::uint64_t author = 0;
    std::int64_t time_ms = 0;
    std::uint64_t inserted = 0;  // code points the operation inserts
    std::uint64_t deleted = 0;   // code points it deletes
};

// The summary of one operation (a storage may keep inserted/deleted beside the row instead).
OpSummary summarize(const OpRecord& op);

// Code points inserted and deleted by `op`.
struct Change {
    std::uint64_t inserted = 0;
    std::uint64_t deleted = 0;
};
// The code points `op` inserts and deletes.
Change change_of(const ot::Operation& op);

// A user's ClientInfo as it was set at one point of the document's life. One record per
// (user, revision): a newer ClientInfo at the same revision replaces the older one.
struct UserInfoRecord {
    std::uint64_t user = 0;
    std::uint64_t revision = 0;  // the document's revision when it was set
    std::int64_t time_ms = 0;
    std::string name;
    std::uint32_t hue = 0;
};

// A name given to a revision: the text after `revision` operations. One per revision (naming a
// named revision again renames it).
struct VersionRecord {
    std::uint64_t revision = 0;
    std::string name;
    std::uint64_t user = 0;   // who named it
    std::int64_t time_ms = 0;
};

// The text and authorship after `revision` operations, as stored.
struct KeyframeRecord {
    std::uint64_t revision = 0;
    std::string text;
    std::optional<std::string> attribution_json;  // nullopt: stored before authorship was kept
};

}  // namespace kolabpad::server::history
