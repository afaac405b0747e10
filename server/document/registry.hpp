#pragma once
// Registry: the documents in memory, by id. Loads cold documents from storage, answers access checks
// without loading, evicts idle documents and flushes everything at shutdown.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "document/document.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::document {

// Result of an access check against a document's token.
enum class Access { allowed, denied, storage_failure };

// All documents in memory.
class Registry {
public:
    // `storage` (and `telemetry`, when given) must outlive the registry.
    Registry(storage::Storage& storage, Limits limits, Telemetry* telemetry = nullptr);

    // The document `id`, loaded from storage (or created empty) if not in memory.
    ot::Result<std::shared_ptr<Document>> get(const std::string& id);
    // Checks `otp` against the document's token: from memory if hot, else reading only the token.
    Access check_access(const std::string& id, const std::optional<std::string>& otp);
    // The current text of `id` ("" when unknown) without keeping a cold document in memory.
    ot::Result<std::string> text(const std::string& id);
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
    void discard(const std::string& id, const Document* doc);
    std::vector<std::shared_ptr<Document>> all() const;
    void evicted(const Document& d, const char* reason);

    storage::Storage& storage_;
    const Limits limits_;
    Telemetry* const telemetry_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<Document>> docs_;
    std::atomic<std::uint64_t> next_generation_{1};
};

}  // namespace kolabpad::server::document
