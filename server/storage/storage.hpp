#pragma once
// Storage: where documents live durably. Reads are synchronous; writes are queued and committed in
// batches (group commit), each reporting through its callback only after its transaction committed.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kolabpad/ot/result.hpp"
#include "metrics/histogram.hpp"

namespace kolabpad::server::storage {

// One operation of a document's log, as stored.
struct OpRecord {
    std::uint64_t revision = 0;  // index of the operation in the log (0-based)
    std::string operation_json;  // the operation's JSON form
    std::optional<std::string> client;
    std::optional<std::uint64_t> seq;
    std::uint64_t author = 0;  // user id of the connection that sent it
    std::int64_t time_ms = 0;  // unix milliseconds when it was sequenced
};

// Everything needed to bring a document into memory.
struct DocumentRecord {
    bool exists = false;  // false: never stored; every other field is empty
    std::optional<std::string> language;
    std::optional<std::string> otp;
    std::optional<std::string> view_token;  // the read-only link's token (?view=), if one was made
    std::uint64_t next_user_id = 0;       // user ids below this may appear in the log
    std::uint64_t snapshot_revision = 0;  // the text below is the document after this many operations
    std::string snapshot_text;
    std::uint64_t base_revision = 0;  // the earliest kept snapshot: where the kept log starts
    std::string base_text;
    std::vector<OpRecord> ops;  // every kept operation, ascending; may start before snapshot_revision
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
// Stores the document's text at `revision` and at `base_revision` (where its kept log starts,
// at most `revision`), drops every other snapshot and the operations before `base_revision`.
struct SaveSnapshot {
    std::string document;
    std::uint64_t revision = 0;
    std::string text;
    std::uint64_t next_user_id = 0;
    std::uint64_t base_revision = 0;
    std::string base_text;
};
// Sets the document's language, protection token and read-only link token.
struct SaveMeta {
    std::string document;
    std::optional<std::string> language;
    std::optional<std::string> otp;
    std::optional<std::string> view_token;
};

// One queued write.
using WriteItem = std::variant<AppendOp, SaveSnapshot, SaveMeta>;

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

    // Reads a document (latest snapshot and every kept operation).
    virtual ot::Result<DocumentRecord> load(const std::string& document) = 0;
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
};

}  // namespace kolabpad::server::storage
