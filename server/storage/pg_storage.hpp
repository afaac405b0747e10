#pragma once
// PgStorage: the Storage over PostgreSQL (libpq). Reads on a small pool of reader connections;
// writes queued and group-committed by one writer thread on its own connection, one transaction
// per batch, each append fenced by its document's lease epoch (docs/distributed.md).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "history/retention_reads.hpp"
#include "history/source.hpp"
#include "storage/pg_connection.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::storage {

// How PgStorage connects, commits and fences.
struct PgOptions {
    std::string instance_id = "kolabpad";          // names the connections (application_name) and the writer
    std::chrono::milliseconds timeout{10000};       // bound on connecting and on one round trip (DATABASE_TIMEOUT_SECONDS)
    std::chrono::milliseconds retry_for{30000};     // how long a batch is retried over a lost connection (DATABASE_RETRY_SECONDS)
    unsigned readers = 2;                           // reader connections (DATABASE_READ_CONNECTIONS)
    // Distributed mode: a document with no lease row refuses writes. Otherwise (one instance) a
    // document without a lease row is written unfenced; with a lease row, always fenced.
    bool require_lease = false;
    bool pipeline = true;   // send a batch's statements in one round trip (libpq pipeline mode)
    bool multi_row = true;  // insert a batch's operations with one statement (unnest of arrays), not one each
};

// Storage over one PostgreSQL database (the schema its search_path names), with its history reads
// (pg_history.cpp) on the reader connections.
class PgStorage final : public Storage, public history::Source, public history::RetentionReads {
public:
    // Connects, migrates the schema (under an advisory lock) and starts the writer.
    static ot::Result<std::unique_ptr<PgStorage>> open(const std::string& conninfo, PgOptions options = {});
    ~PgStorage() override;

    ot::Result<DocumentRecord> load(const std::string& document, LoadTail tail = {}) override;
    ot::Result<std::optional<std::string>> load_otp(const std::string& document) override;
    ot::Result<std::optional<std::string>> load_view_token(const std::string& document) override;
    ot::Result<std::uint64_t> count_documents() override;
    // `generation` is the document's lease epoch when the document has a lease row (see PgOptions).
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

    // history::Source (pg_history.cpp).
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
    // history::RetentionReads (pg_history.cpp).
    ot::Result<std::vector<std::string>> documents_before(std::int64_t cutoff_ms) override;
    ot::Result<std::vector<std::uint64_t>> keyframe_revisions(const std::string& document) override;

    // The operations with revision in [from, to) of a document's log, ascending (those stored:
    // fewer when the log was compacted or is shorter). For relays filling a gap.
    ot::Result<std::vector<OpRecord>> load_ops(const std::string& document, std::uint64_t from, std::uint64_t to);
    // The latest snapshot and only the operations after it (base_* equal the snapshot): enough to
    // compute the current text, e.g. for /api/text.
    ot::Result<LatestText> load_latest(const std::string& document) override;
    // Batches that needed at least one retry (a lost connection, a serialization conflict).
    std::uint64_t retried_batches() const { return retried_batches_.load(); }

    // Largest number of writes committed in one transaction.
    static constexpr std::size_t max_batch = 2048;

private:
    struct Pending {
        WriteItem item;
        std::uint64_t generation;
        WriteDone done;
    };
    // What one attempt at committing a batch came to.
    struct Attempt {
        enum Kind { committed, failed, retry } kind = failed;
        bool commit_sent = false;       // COMMIT may have reached the server
        std::vector<bool> stored;       // per write of the batch, when committed
        std::string error;
    };
    // Whether an attempt whose COMMIT lost its answer went through.
    struct Resolution {
        enum State { unknown, not_committed, committed } state = unknown;
        std::vector<bool> stored;  // when committed
    };
    class ReaderPool;

    explicit PgStorage(PgOptions options);
    ot::Result<bool> init(const std::string& conninfo);
    void define_writer_statements();
    void run_writer();
    std::vector<bool> commit_batch(std::vector<Pending>& batch);
    Attempt try_commit(const std::vector<const Pending*>& batch);
    Resolution resolve_interrupted(const std::vector<const Pending*>& batch);
    ot::Result<bool> open_writer();
    void read_succeeded();
    // Runs `statements` as one read pipeline on a reader connection, keeping health up to date.
    ot::Result<std::vector<PgResult>> read(const std::vector<PgStatement>& statements, const char* what);
    std::string fence(const std::string& document, const std::string& generation) const;

    PgOptions options_;
    std::string conninfo_;
    std::string writer_id_;  // this process's writer in writer_commits
    std::uint64_t batch_number_ = 0;
    PgConnection writer_;  // writer thread only (after init)
    std::unique_ptr<ReaderPool> readers_;

    mutable std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::condition_variable done_cv_;
    std::deque<Pending> queue_;
    std::uint64_t submitted_ = 0;
    std::uint64_t finished_ = 0;
    bool stopping_ = false;
    std::set<std::pair<std::string, std::uint64_t>> failed_;  // (document, generation) after a failed write
    std::atomic<bool> healthy_{true};
    std::atomic<bool> writer_retrying_{false};  // a batch is held, waiting for PostgreSQL
    std::atomic<std::uint64_t> retried_batches_{0};
    metrics::Histogram commit_latency_;
    metrics::Histogram commit_batch_sizes_{metrics::Histogram::count_bounds()};
    std::thread thread_;
    std::vector<std::function<void()>> after_batch_;  // writer thread only: see after_batch()
    bool in_callbacks_ = false;                       // writer thread only: running a batch's callbacks
};

}  // namespace kolabpad::server::storage
