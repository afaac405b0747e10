#pragma once
// SqliteStorage: the embedded Storage. WAL mode, synchronous=FULL, one writer thread that commits
// every queued write in one transaction per batch (group commit), and a separate reader connection.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>
#include <functional>
#include <vector>

#include "history/retention_reads.hpp"
#include "history/source.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::storage {

// How SqliteStorage commits.
struct SqliteOptions {
    std::chrono::microseconds commit_window{};  // how long a Commit::within_window write may wait
    // synchronous=FULL: a commit survives power loss (fdatasync per commit). false: NORMAL, where a
    // commit survives the process being killed, not the machine losing power (no fsync per commit).
    bool sync_full = true;
};

// Storage over one SQLite file (or a private in-memory database for ":memory:"), with its history
// reads (sqlite_history.cpp) on a connection of their own.
class SqliteStorage final : public Storage, public history::Source, public history::RetentionReads {
public:
    // Opens `path` (creating its parent folder), migrates the schema and starts the writer.
    static ot::Result<std::unique_ptr<SqliteStorage>> open(const std::string& path, SqliteOptions options = {});
    ~SqliteStorage() override;

    ot::Result<DocumentRecord> load(const std::string& document, LoadTail tail = {}) override;
    ot::Result<LatestText> load_latest(const std::string& document) override;
    ot::Result<std::optional<std::string>> load_otp(const std::string& document) override;
    ot::Result<std::optional<std::string>> load_view_token(const std::string& document) override;
    ot::Result<std::uint64_t> count_documents() override;
    void submit(WriteItem item, std::uint64_t generation, WriteDone done, Commit when = Commit::now) override;
    void flush() override;
    void after_batch(std::function<void()> f) override;
    bool healthy() const override { return healthy_.load(); }
    void close() override;
    const metrics::Histogram& commit_latency() const override { return commit_latency_; }
    const metrics::Histogram& commit_batch_sizes() const override { return commit_batch_sizes_; }
    std::uint64_t pending_writes() const override;
    history::Source* history() override { return this; }
    history::RetentionReads* retention() override { return this; }

    // history::Source (sqlite_history.cpp).
    ot::Result<history::LogBounds> bounds(const std::string& document) override;
    ot::Result<std::optional<history::KeyframeRecord>> keyframe_at_or_before(const std::string& document,
                                                                             std::uint64_t revision) override;
    ot::Result<std::vector<history::StoredOp>> operations(const std::string& document, std::uint64_t from,
                                                          std::uint64_t to) override;
    ot::Result<std::vector<history::OpSummary>> summaries(const std::string& document, std::uint64_t from,
                                                          std::uint64_t to) override;
    ot::Result<std::vector<history::VersionRecord>> versions(const std::string& document, std::uint64_t from,
                                                             std::uint64_t to) override;
    ot::Result<std::vector<history::UserInfoRecord>> user_infos(const std::string& document,
                                                                std::span<const std::uint64_t> users) override;
    // history::RetentionReads (sqlite_history.cpp).
    ot::Result<std::vector<std::string>> documents_before(std::int64_t cutoff_ms) override;
    ot::Result<std::vector<std::uint64_t>> keyframe_revisions(const std::string& document) override;

    // Largest number of writes committed in one transaction.
    static constexpr std::size_t max_batch = 2048;

private:
    struct Pending {
        WriteItem item;
        std::uint64_t generation;
        WriteDone done;
        std::chrono::steady_clock::time_point submitted;
    };

    SqliteStorage() = default;
    ot::Result<bool> init(const std::string& path);
    void run_writer();
    bool write_batch(std::vector<Pending>& batch);
    bool execute(const WriteItem& item);
    bool drop_history(const DropHistory& d, std::int64_t now);
    // A failed history read: marks storage unhealthy, logs, and returns the error.
    ot::Error history_failed(const char* what);

    std::unique_ptr<Connection> writer_;
    std::unique_ptr<Connection> own_reader_;
    std::unique_ptr<Connection> own_loader_;
    Connection* reader_ = nullptr;        // short reads: tokens, counts
    std::mutex* reader_mutex_ = nullptr;  // the writer's mutex when both share one connection
    // Whole-document reads (load, load_latest) have their own connection, so that a long one on a
    // loader thread never makes an access check on a network thread wait.
    Connection* loader_ = nullptr;
    std::mutex* loader_mutex_ = nullptr;
    // History reads (sqlite_history.cpp) have a connection of their own too.
    std::unique_ptr<Connection> own_history_;
    Connection* history_db_ = nullptr;
    std::mutex* history_mutex_ = nullptr;
    std::mutex read_mutex_;
    std::mutex load_mutex_;
    std::mutex history_read_mutex_;
    std::mutex write_db_mutex_;
    Statement upsert_doc_, insert_op_, save_snapshot_, save_meta_, bump_users_, put_user_info_, put_version_;

    mutable std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::condition_variable done_cv_;
    std::deque<Pending> queue_;
    std::uint64_t submitted_ = 0;
    std::uint64_t finished_ = 0;
    bool stopping_ = false;
    bool commit_now_ = false;  // a queued write asked for Commit::now, or flush() waits
    SqliteOptions options_;
    std::set<std::pair<std::string, std::uint64_t>> failed_;  // (document, generation) after a failed batch
    std::atomic<bool> healthy_{true};
    metrics::Histogram commit_latency_;
    metrics::Histogram commit_batch_sizes_{metrics::Histogram::count_bounds()};
    std::thread thread_;
    std::vector<std::function<void()>> after_batch_;  // writer thread only: see after_batch()
    bool in_callbacks_ = false;                       // writer thread only: running a batch's callbacks
    std::unordered_set<std::string> touched_;         // writer thread only: documents updated in this transaction
};

}  // namespace kolabpad::server::storage
