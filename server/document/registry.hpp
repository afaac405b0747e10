#pragma once
// Registry: the documents in memory, by id. Loads cold documents from storage, answers access checks
// without loading, evicts idle documents and flushes everything at shutdown.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "document/document.hpp"
#include "document/load_pool.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::document {

// Result of an access check against a document's token.
enum class Access { allowed, denied, storage_failure };

// Receives a loaded document (or why it could not be loaded).
using DocumentDone = std::function<void(ot::Result<std::shared_ptr<Document>>)>;
// Receives a document's text (or why it could not be read).
using TextDone = std::function<void(ot::Result<std::string>)>;

// The current text from a document's latest snapshot and the operations after it; fails when the
// operations do not continue the snapshot or do not apply.
ot::Result<std::string> replay_latest(const std::string& id, const storage::LatestText& latest);

// All documents in memory.
class Registry {
public:
    // `storage` (and `telemetry`, when given) must outlive the registry. Cold documents are loaded
    // on `loader_threads` threads of its own (LOADER_THREADS).
    Registry(storage::Storage& storage, Limits limits, Telemetry* telemetry = nullptr, unsigned loader_threads = 1);

    // The document `id`, loaded from storage (or created empty) if not in memory. Blocks the
    // caller for the load (for tests, the admin API and simulated users); a load already under way
    // for `id` is waited for, not repeated.
    ot::Result<std::shared_ptr<Document>> get(const std::string& id);
    // The same without blocking: `done` runs before get_async returns when `id` is in memory, else
    // on a loader thread once it is loaded. Concurrent calls for one cold document share one load.
    // After stop_loading(), `done` gets an error at once.
    void get_async(const std::string& id, DocumentDone done);
    // Checks `otp` against the document's token: from memory if hot, else reading only the token.
    Access check_access(const std::string& id, const std::optional<std::string>& otp);
    // Checks `view` against the document's read-only link token the same way (memory if hot, else
    // reading only that token): allowed only when a link was made and `view` is its token.
    Access check_view_link(const std::string& id, const std::string& view);
    // The current text of `id` ("" when unknown) without keeping a cold document in memory; a
    // cold one is read as its latest snapshot plus the operations after it.
    ot::Result<std::string> text(const std::string& id);
    // The same without blocking: `done` runs before text_async returns when `id` is in memory, else
    // on a loader thread.
    void text_async(const std::string& id, TextDone done);
    // Runs `job` on a loader thread (for other blocking work of a connection, such as finding a
    // document's owner in distributed mode); false when the loaders are stopping.
    bool run_blocking(std::function<void()> job) { return pool_.post(std::move(job)); }
    // Stops the loader threads: running loads finish, queued ones fail with "shutting down" (their
    // callbacks run in the caller's thread). For shutdown, while the callbacks' executors still exist.
    void stop_loading();
    // Runs jobs on the loader threads (restores, history reads, retention), refused once stopped.
    JobRunner job_runner();
    // Documents read from storage to be loaded into memory since start (coalesced loads count once).
    std::uint64_t loads() const { return loads_.load(); }
    // Requests for a cold document that joined a load already under way.
    std::uint64_t coalesced_loads() const { return coalesced_.load(); }
    // Documents in memory.
    std::size_t size() const;
    // Connections over all documents in memory.
    std::size_t connections() const;
    // Evicts documents idle for longer than `max_idle` (snapshotting them first); returns how many.
    std::size_t evict_idle(std::chrono::duration<double> max_idle);
    // For shutdown: stops every document taking edits, commits and acknowledges what they sequenced,
    // then snapshots them and closes all connections with 1001.
    void shutdown();

    // The document `id` if it is in memory (never loads); null otherwise.
    std::shared_ptr<Document> find(const std::string& id) const;
    // The admin figures of every document in memory, sorted by id.
    std::vector<Document::Info> list() const;
    // Writes a snapshot of `id` now and waits until it is stored; its revision, or nullopt when
    // `id` is not in memory.
    std::optional<std::uint64_t> persist(const std::string& id);
    // Evicts `id` now: its users get Error{code:"evicted"} and close 4000, its writes and a
    // snapshot are flushed, then it leaves memory. False when `id` is not in memory.
    bool evict_now(const std::string& id);
    // Evicts idle documents, least recently used first, while the accounted memory of all documents
    // exceeds `limit_bytes`; documents with users stay. Returns how many were evicted.
    std::size_t enforce_memory(std::uint64_t limit_bytes);
    // Accounted memory of every document in memory (Document::memory_bytes).
    std::uint64_t memory_bytes() const;
    // Documents in memory with at least one user.
    std::size_t hot() const;

    // Puts `doc` (loaded by the caller, e.g. with a lease epoch as its generation) in memory as
    // `id`, replacing what was there, so that the admin API and /api/text see it.
    void adopt(const std::string& id, std::shared_ptr<Document> doc);
    // Takes `doc` out of memory if it is what `id` holds (no snapshot: the caller lost it).
    void forget(const std::string& id, const Document* doc) { discard(id, doc); }

private:
    // One load in progress and everyone waiting for it.
    struct PendingLoad {
        std::vector<DocumentDone> waiters;
    };

    // The document in memory, or nullptr; sets `stale` when it is being evicted.
    std::shared_ptr<Document> hot_locked(const std::string& id, std::shared_ptr<Document>& stale) const;
    // Reads `id` from storage and puts it in memory (the caller registered the PendingLoad).
    ot::Result<std::shared_ptr<Document>> load(const std::string& id);
    // Ends the PendingLoad of `id` and hands `result` to its waiters.
    void finish_load(const std::string& id, const ot::Result<std::shared_ptr<Document>>& result);
    // The text of a cold document, read from storage.
    ot::Result<std::string> stored_text(const std::string& id);
    void discard(const std::string& id, const Document* doc);
    std::vector<std::shared_ptr<Document>> all() const;
    void evicted(const Document& d, const char* reason);

    storage::Storage& storage_;
    const Limits limits_;
    Telemetry* const telemetry_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<Document>> docs_;
    std::unordered_map<std::string, PendingLoad> loading_;  // under mu_
    bool loading_stopped_ = false;                          // under mu_
    std::atomic<std::uint64_t> next_generation_{1};
    std::atomic<std::uint64_t> loads_{0};
    std::atomic<std::uint64_t> coalesced_{0};
    LoadPool pool_;  // last: its threads stop before the members they use are destroyed
};

}  // namespace kolabpad::server::document
