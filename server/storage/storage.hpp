#pragma once
// Storage: where documents live durably. Reads are synchronous; writes are queued and committed in
// batches (group commit), each reporting through its callback only after its transaction committed.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "history/records.hpp"
#include "kolabpad/ot/result.hpp"
#include "metrics/histogram.hpp"

namespace kolabpad::server::history {
class Source;
class RetentionReads;
}  // namespace kolabpad::server::history

namespace kolabpad::server::storage {

// One operation of a document's log, as stored.
struct OpRecord {
    std::uint64_t revision = 0;  // index of the operation in the log (0-based)
    std::string operation_json;  // the operation's JSON form
    std::optional<std::string> client;
    std::optional<std::uint64_t> seq;
    std::uint64_t author = 0;  // user id of the connection that sent it
    std::int64_t time_ms = 0;  // unix milliseconds when it was sequenced
    // The revision a Restore brought back (its History entry says "restore"); client is "server" then.
    std::optional<std::uint64_t> restore;
    // Code points the operation inserts and deletes: written with it, for the history's session list
    // (load() does not read them back).
    std::uint64_t inserted = 0;
    std::uint64_t deleted = 0;
};

// Everything needed to bring a document into memory: its latest keyframe and the tail of its log.
struct DocumentRecord {
    bool exists = false;  // false: never stored; every other field is empty
    std::optional<std::string> language;
    std::optional<std::string> otp;
    std::optional<std::string> view_token;  // the read-only link's token (?view=), if one was made
    std::uint64_t next_user_id = 0;       // user ids below this may appear in the log
    std::uint64_t snapshot_revision = 0;  // the latest keyframe: the document after this many operations
    std::string snapshot_text;
    std::optional<std::string> snapshot_attribution;  // its authorship (nullopt: stored before it was kept)
    std::uint64_t base_revision = 0;  // where `ops` start: a keyframe (or 0, the empty text)
    std::string base_text;
    std::vector<OpRecord> ops;  // the operations from base_revision on, ascending; may start before snapshot_revision
};

// How much of a document's log load() reads: the longest tail within both bounds that starts at a
// keyframe (the operations after the latest keyframe are always read: the current text needs them).
struct LoadTail {
    std::uint64_t operations = ~std::uint64_t{0};  // operations in the tail
    std::uint64_t inserted = ~std::uint64_t{0};    // code points they insert together (a measure of their size)
};

// What the current text of a document is made of: its latest snapshot and the operations after it
// (never the older kept log).
struct LatestText {
    bool exists = false;                  // false: never stored; every other field is empty
    std::uint64_t snapshot_revision = 0;  // the text below is the document after this many operations
    std::string snapshot_text;
    std::vector<OpRecord> ops;  // the operations from snapshot_revision on, ascending
};

// Appends one operation to a document's log.
struct AppendOp {
    std::string document;
    OpRecord op;
};
// Stores a keyframe: the document's text and authorship at `revision` (replacing one stored there),
// and raises next_user_id. Nothing older is dropped: the whole log is kept (docs/history.md).
struct SaveSnapshot {
    std::string document;
    std::uint64_t revision = 0;
    std::string text;
    std::uint64_t next_user_id = 0;
    std::optional<std::string> attribution_json;  // ot::to_json of the attribution of `text`
};
// Sets the document's language, protection token and read-only link token.
struct SaveMeta {
    std::string document;
    std::optional<std::string> language;
    std::optional<std::string> otp;
    std::optional<std::string> view_token;
};

// Records a user's ClientInfo at a revision (replacing the record of the same user and revision).
struct PutUserInfo {
    std::string document;
    history::UserInfoRecord info;
};
// Names a revision (replacing an older name of it).
struct PutVersion {
    std::string document;
    history::VersionRecord version;
};
// Retention (HISTORY_RETENTION_DAYS, history::plan_retention): stores the keyframes in `materialize`,
// then drops the operations below `start`, the keyframes below it except those at named versions, and
// the user-info records below it except each user's latest one at or before it. Not fenced: it only
// removes what no instance writes any more.
struct DropHistory {
    std::string document;
    std::uint64_t start = 0;
    std::vector<history::KeyframeRecord> materialize;
};

// One queued write.
using WriteItem = std::variant<AppendOp, SaveSnapshot, SaveMeta, PutUserInfo, PutVersion, DropHistory>;

// Called once per write after its transaction committed (true) or failed (false); runs on the
// writer thread, so it must not block.
using WriteDone = std::function<void(bool committed)>;

// How soon a write wants its transaction committed.
enum class Commit {
    now,            // commit as soon as the writer is free (and take every queued write along)
    within_window,  // may wait up to the commit window so that later writes share the transaction
};

// The storage interface; implementations are thread-safe.
class Storage {
public:
    virtual ~Storage() = default;

    // Reads a document: its latest keyframe and the operations from `base_revision` on: the first
    // kept revision when the whole kept log fits in `tail`, else the earliest keyframe from which the
    // rest fits (at the latest, the latest keyframe). By default, the whole kept log.
    virtual ot::Result<DocumentRecord> load(const std::string& document, LoadTail tail = {}) = 0;
    // Reads the latest snapshot and only the operations after it: enough for the current text.
    virtual ot::Result<LatestText> load_latest(const std::string& document) = 0;
    // Reads only the protection token of a document (nullopt: unprotected or unknown).
    virtual ot::Result<std::optional<std::string>> load_otp(const std::string& document) = 0;
    // Reads only the read-only link token of a document (nullopt: none made, or unknown). By
    // default none, so that a storage that keeps no view links refuses every ?view=.
    virtual ot::Result<std::optional<std::string>> load_view_token(const std::string& document) {
        (void)document;
        return std::optional<std::string>();
    }
    // Number of stored documents.
    virtual ot::Result<std::uint64_t> count_documents() = 0;

    // Queues a write of `document` instance `generation`. After a failed batch, later writes of
    // the same (document, generation) fail without touching the database, so the log never gets a gap.
    virtual void submit(WriteItem item, std::uint64_t generation, WriteDone done, Commit when = Commit::now) = 0;
    // Blocks until every write submitted before the call has finished (committing at once).
    virtual void flush() = 0;
    // Called from a WriteDone callback: runs `f` once every callback of the same batch has run (so
    // work done per batch, such as a broadcast, is done once, not once per write). Elsewhere, or by
    // default, runs `f` at once.
    virtual void after_batch(std::function<void()> f) { f(); }
    // False after the last commit (or the last read) failed; true again after one succeeds.
    virtual bool healthy() const = 0;
    // Finishes queued writes and stops the writer; later submits fail immediately.
    virtual void close() = 0;
    // Durations of committed write batches.
    virtual const metrics::Histogram& commit_latency() const = 0;
    // Sizes (writes per transaction) of committed write batches.
    virtual const metrics::Histogram& commit_batch_sizes() const = 0;
    // Writes queued and not yet finished.
    virtual std::uint64_t pending_writes() const = 0;
    // The history reads of this storage (docs/history.md), answered on the caller's thread (never a
    // network thread); null when the storage keeps no history.
    virtual history::Source* history() { return nullptr; }
    // What HISTORY_RETENTION_DAYS reads besides history(); null when the storage keeps no history.
    virtual history::RetentionReads* retention() { return nullptr; }
};

}  // namespace kolabpad::server::storage
