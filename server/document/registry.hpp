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

#include "document/document.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::document {

// Result of an access check against a document's token.
enum class Access { allowed, denied, storage_failure };

// All documents in memory.
class Registry {
public:
    // `storage` must outlive the registry.
    Registry(storage::Storage& storage, Limits limits);

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
    // Snapshots every document and closes all connections with 1001; for shutdown.
    void shutdown();

private:
    void discard(const std::string& id, const Document* doc);

    storage::Storage& storage_;
    const Limits limits_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<Document>> docs_;
    std::atomic<std::uint64_t> next_generation_{1};
};

}  // namespace kolabpad::server::document
