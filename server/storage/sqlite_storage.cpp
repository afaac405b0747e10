#include "storage/sqlite_storage.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "log/log.hpp"

namespace kolabpad::server::storage {
namespace {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const std::string& document_of(const WriteItem& item) {
    return std::visit([](const auto& w) -> const std::string& { return w.document; }, item);
}

ot::Result<bool> configure(Connection& c, bool sync_full) {
    // WAL lets readers run beside the writer; FULL makes every commit survive power loss too, NORMAL
    // only a crash of the process.
    if (!c.exec("PRAGMA busy_timeout = 5000") || !c.exec("PRAGMA journal_mode = WAL") ||
        !c.exec(sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")) {
        return ot::Error{"cannot configure SQLite: " + c.last_error()};
    }
    return true;
}

}  // namespace

ot::Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path, SqliteOptions options) {
    std::unique_ptr<SqliteStorage> s(new SqliteStorage());
    s->options_ = options;
    auto r = s->init(path);
    if (!r) return ot::Error{r.error()};
    return s;
}

ot::Result<bool> SqliteStorage::init(const std::string& path) {
    const bool memory = path == ":memory:";
    if (!memory) {
        std::error_code ec;
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent, ec);
        if (ec) return ot::Error{"cannot create folder " + parent.string() + ": " + ec.message()};
    }
    writer_ = std::make_unique<Connection>();
    if (auto r = writer_->open(path); !r) return r;
    if (auto r = configure(*writer_, options_.sync_full); !r) return r;
    if (auto r = migrate(*writer_); !r) return ot::Error{r.error()};
    if (memory) {
        reader_ = loader_ = history_db_ = writer_.get();
        reader_mutex_ = loader_mutex_ = history_mutex_ = &write_db_mutex_;
    } else {
        for (auto* c : {&own_reader_, &own_loader_, &own_history_}) {
            *c = std::make_unique<Connection>();
            if (auto r = (*c)->open(path); !r) return r;
            if (!(*c)->exec("PRAGMA busy_timeout = 5000")) return ot::Error{(*c)->last_error()};
        }
        reader_ = own_reader_.get();
        reader_mutex_ = &read_mutex_;
        loader_ = own_loader_.get();
        loader_mutex_ = &load_mutex_;
        history_db_ = own_history_.get();
        history_mutex_ = &history_read_mutex_;
    }
    upsert_doc_ = writer_->prepare(
        "INSERT INTO documents (id, created_at, updated_at) VALUES (?1, ?2, ?2) "
        "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at");
    insert_op_ = writer_->prepare(
        "INSERT INTO operations (document, revision, operation, client, seq, author, time, inserted, deleted, restore) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    save_snapshot_ = writer_->prepare(
        "INSERT OR REPLACE INTO snapshots (document, revision, text, time, attribution) VALUES (?1, ?2, ?3, ?4, ?5)");
    save_meta_ = writer_->prepare("UPDATE documents SET language = ?2, otp = ?3, view_token = ?4 WHERE id = ?1");
    bump_users_ = writer_->prepare("UPDATE documents SET next_user_id = max(next_user_id, ?2) WHERE id = ?1");
    put_user_info_ = writer_->prepare(
        "INSERT OR REPLACE INTO user_infos (document, user_id, revision, time, name, hue) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    put_version_ = writer_->prepare(
        "INSERT OR REPLACE INTO versions (document, revision, name, user_id, time) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (Statement* s : {&upsert_doc_, &insert_op_, &save_snapshot_, &save_meta_, &bump_users_, &put_user_info_,
                         &put_version_}) {
        if (!s->valid()) return ot::Error{"cannot prepare statement: " + writer_->last_error()};
    }
    thread_ = std::thread([this] { run_writer(); });
    return true;
}

SqliteStorage::~SqliteStorage() { close(); }

void SqliteStorage::close() {
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void SqliteStorage::submit(WriteItem item, std::uint64_t generation, WriteDone done, Commit when) {
    {
        std::lock_guard lock(queue_mutex_);
        if (!stopping_) {
            // The writer only needs waking to start a window or to cut one short (asked for, or a
            // full batch); otherwise it is committing, or sleeping until the oldest write's deadline.
            const bool wake =
                queue_.empty() || (when == Commit::now && !commit_now_) || queue_.size() + 1 == max_batch;
            queue_.push_back(Pending{std::move(item), generation, std::move(done), std::chrono::steady_clock::now()});
            ++submitted_;
            if (when == Commit::now) commit_now_ = true;
            if (wake) queue_cv_.notify_one();
            return;
        }
    }
    if (done) done(false);
}

void SqliteStorage::flush() {
    std::unique_lock lock(queue_mutex_);
    const std::uint64_t target = submitted_;
    if (!queue_.empty() && !commit_now_) {
        commit_now_ = true;
        queue_cv_.notify_one();
    }
    done_cv_.wait(lock, [&] { return finished_ >= target; });
}

void SqliteStorage::after_batch(std::function<void()> f) {
    if (in_callbacks_ && std::this_thread::get_id() == thread_.get_id()) {
        after_batch_.push_back(std::move(f));
    } else {
        f();
    }
}

void SqliteStorage::run_writer() {
    std::vector<Pending> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) break;  // stopping, and everything is written
            if (options_.commit_window.count() > 0) {
                queue_cv_.wait_until(lock, queue_.front().submitted + options_.commit_window, [&] {
                    return stopping_ || commit_now_ || queue_.size() >= max_batch;
                });
            }
            while (!queue_.empty() && batch.size() < max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            commit_now_ = commit_now_ && !queue_.empty();
        }
        const bool ok = write_batch(batch);
        in_callbacks_ = true;
        for (Pending& p : batch) {
            if (p.done) p.done(ok);
        }
        in_callbacks_ = false;
        for (auto& f : after_batch_) f();
        after_batch_.clear();
        {
            std::lock_guard lock(queue_mutex_);
            finished_ += batch.size();
        }
        done_cv_.notify_all();
        batch.clear();
    }
    done_cv_.notify_all();
}

bool SqliteStorage::write_batch(std::vector<Pending>& batch) {
    // Writes of an instance that already lost a batch are refused, so its log cannot get a gap.
    std::vector<Pending> skipped;
    {
        std::lock_guard lock(queue_mutex_);
        for (auto it = batch.begin(); it != batch.end();) {
            if (failed_.count({document_of(it->item), it->generation})) {
                skipped.push_back(std::move(*it));
                it = batch.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (Pending& p : skipped) {
        if (p.done) p.done(false);
    }
    {
        std::lock_guard lock(queue_mutex_);
        finished_ += skipped.size();
    }
    if (batch.empty()) return true;

    std::lock_guard db_lock(write_db_mutex_);
    const auto started = std::chrono::steady_clock::now();
    bool ok = writer_->exec("BEGIN IMMEDIATE");
    touched_.clear();
    for (std::size_t i = 0; ok && i < batch.size(); ++i) ok = execute(batch[i].item);
    if (ok) ok = writer_->exec("COMMIT");
    if (!ok) {
        log::error("storage write failed", {{"error", writer_->last_error()}, {"writes", std::to_string(batch.size())}});
        writer_->exec("ROLLBACK");
        std::lock_guard lock(queue_mutex_);
        for (const Pending& p : batch) failed_.insert({document_of(p.item), p.generation});
    }
    if (ok) {
        commit_latency_.observe(std::chrono::steady_clock::now() - started);
        commit_batch_sizes_.observe(static_cast<double>(batch.size()));
    }
    healthy_ = ok;
    return ok;
}

std::uint64_t SqliteStorage::pending_writes() const {
    std::lock_guard lock(queue_mutex_);
    return submitted_ - finished_;
}

bool SqliteStorage::execute(const WriteItem& item) {
    const std::int64_t now = now_ms();
    // A document's row is updated once per transaction, however many of its writes the batch holds.
    auto touch = [&](const std::string& doc) {
        return !touched_.insert(doc).second || upsert_doc_.reset().bind(1, doc).bind(2, now).step() == SQLITE_DONE;
    };
    auto i64 = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
    if (const auto* a = std::get_if<AppendOp>(&item)) {
        const OpRecord& op = a->op;
        if (!touch(a->document)) return false;
        return insert_op_.reset()
                   .bind(1, a->document)
                   .bind(2, i64(op.revision))
                   .bind(3, op.operation_json)
                   .bind(4, op.client)
                   .bind(5, op.seq)
                   .bind(6, i64(op.author))
                   .bind(7, op.time_ms)
                   .bind(8, i64(op.inserted))
                   .bind(9, i64(op.deleted))
                   .bind(10, op.restore)
                   .step() == SQLITE_DONE;
    }
    if (const auto* s = std::get_if<SaveSnapshot>(&item)) {
        if (!touch(s->document)) return false;
        return save_snapshot_.reset()
                       .bind(1, s->document)
                       .bind(2, i64(s->revision))
                       .bind(3, s->text)
                       .bind(4, now)
                       .bind(5, s->attribution_json)
                       .step() == SQLITE_DONE &&
               bump_users_.reset().bind(1, s->document).bind(2, i64(s->next_user_id)).step() == SQLITE_DONE;
    }
    if (const auto* u = std::get_if<PutUserInfo>(&item)) {
        const history::UserInfoRecord& r = u->info;
        return touch(u->document) && put_user_info_.reset()
                                             .bind(1, u->document)
                                             .bind(2, i64(r.user))
                                             .bind(3, i64(r.revision))
                                             .bind(4, r.time_ms)
                                             .bind(5, r.name)
                                             .bind(6, std::int64_t{r.hue})
                                             .step() == SQLITE_DONE;
    }
    if (const auto* v = std::get_if<PutVersion>(&item)) {
        const history::VersionRecord& r = v->version;
        return touch(v->document) && put_version_.reset()
                                             .bind(1, v->document)
                                             .bind(2, i64(r.revision))
                                             .bind(3, r.name)
                                             .bind(4, i64(r.user))
                                             .bind(5, r.time_ms)
                                             .step() == SQLITE_DONE;
    }
    if (const auto* d = std::get_if<DropHistory>(&item)) return drop_history(*d, now);
    const auto& m = std::get<SaveMeta>(item);
    return touch(m.document) &&
           save_meta_.reset().bind(1, m.document).bind(2, m.language).bind(3, m.otp).bind(4, m.view_token).step() ==
               SQLITE_DONE;
}

bool SqliteStorage::drop_history(const DropHistory& d, std::int64_t now) {
    // Rare (the retention job), so its statements are compiled when used.
    for (const history::KeyframeRecord& k : d.materialize) {
        Statement s = writer_->prepare(
            "INSERT OR IGNORE INTO snapshots (document, revision, text, time, attribution) VALUES (?1, ?2, ?3, ?4, ?5)");
        if (s.bind(1, d.document).bind(2, static_cast<std::int64_t>(k.revision)).bind(3, k.text).bind(4, now)
                .bind(5, k.attribution_json).step() != SQLITE_DONE) {
            return false;
        }
    }
    const auto start = static_cast<std::int64_t>(d.start);
    for (const char* sql : {
             "DELETE FROM operations WHERE document = ?1 AND revision < ?2",
             "DELETE FROM snapshots WHERE document = ?1 AND revision < ?2 "
             "AND revision NOT IN (SELECT revision FROM versions WHERE document = ?1)",
             // Each user's latest record at or before the new start stays, so surviving text keeps its author's name.
             "DELETE FROM user_infos WHERE document = ?1 AND revision < ?2 AND revision < "
             "(SELECT max(u.revision) FROM user_infos u WHERE u.document = ?1 AND u.user_id = user_infos.user_id "
             "AND u.revision <= ?2)",
         }) {
        Statement s = writer_->prepare(sql);
        if (s.bind(1, d.document).bind(2, start).step() != SQLITE_DONE) return false;
    }
    return true;
}

ot::Result<DocumentRecord> SqliteStorage::load(const std::string& document, LoadTail tail) {
    std::lock_guard lock(*loader_mutex_);
    Connection& db = *loader_;
    auto fail = [&](const std::string& what) -> ot::Result<DocumentRecord> {
        std::string e = db.last_error();
        db.exec("ROLLBACK");
        healthy_ = false;
        log::error("storage read failed", {{"what", what}, {"error", e}});
        return ot::Error{what + ": " + e};
    };
    if (!db.exec("BEGIN")) return fail("begin");
    DocumentRecord rec;
    {
        Statement s = db.prepare("SELECT language, otp, next_user_id, view_token FROM documents WHERE id = ?1");
        s.bind(1, document);
        const int rc = s.step();
        if (rc == SQLITE_ROW) {
            rec.exists = true;
            rec.language = s.opt_text(0);
            rec.otp = s.opt_text(1);
            rec.next_user_id = static_cast<std::uint64_t>(s.int64(2));
            rec.view_token = s.opt_text(3);
        } else if (rc != SQLITE_DONE) {
            return fail("read document");
        }
    }
    // The kept log [start, head): start is its first operation (or the head when none is kept).
    bool has_ops = false;
    std::uint64_t first = 0, last = 0;
    {
        Statement s = db.prepare("SELECT min(revision), max(revision) FROM operations WHERE document = ?1");
        s.bind(1, document);
        if (s.step() != SQLITE_ROW) return fail("read log bounds");
        if (!s.is_null(0)) {
            has_ops = true;
            first = static_cast<std::uint64_t>(s.int64(0));
            last = static_cast<std::uint64_t>(s.int64(1));
        }
    }
    {
        Statement s = db.prepare(
            "SELECT revision, text, attribution FROM snapshots WHERE document = ?1 ORDER BY revision DESC LIMIT 1");
        s.bind(1, document);
        const int rc = s.step();
        if (rc == SQLITE_ROW) {
            rec.snapshot_revision = static_cast<std::uint64_t>(s.int64(0));
            rec.snapshot_text = s.text(1);
            rec.snapshot_attribution = s.opt_text(2);
        } else if (rc != SQLITE_DONE) {
            return fail("read snapshot");
        }
    }
    const std::uint64_t head = std::max(has_ops ? last + 1 : 0, rec.snapshot_revision);
    const std::uint64_t start = has_ops ? first : head;
    // The earliest revision from which the rest of the log fits in `tail`.
    std::uint64_t cutoff = head - start <= tail.operations ? start : head - tail.operations;
    {
        Statement s = db.prepare(
            "SELECT revision, coalesce(inserted, 0) FROM operations WHERE document = ?1 AND revision >= ?2 "
            "ORDER BY revision DESC");
        s.bind(1, document).bind(2, static_cast<std::int64_t>(cutoff));
        std::uint64_t inserted = 0;
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) {
            inserted += static_cast<std::uint64_t>(std::max<std::int64_t>(s.int64(1), 0));
            if (inserted > tail.inserted) {
                cutoff = static_cast<std::uint64_t>(s.int64(0)) + 1;
                break;
            }
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail("read the log's tail");
    }
    if (cutoff > start) {
        // The earliest keyframe from the cutoff on; past the latest one, the latest.
        Statement s = db.prepare(
            "SELECT revision, text FROM snapshots WHERE document = ?1 AND revision >= ?2 ORDER BY revision LIMIT 1");
        s.bind(1, document).bind(2, static_cast<std::int64_t>(std::min(cutoff, rec.snapshot_revision)));
        const int rc = s.step();
        if (rc == SQLITE_ROW) {
            rec.base_revision = static_cast<std::uint64_t>(s.int64(0));
            rec.base_text = s.text(1);
        } else if (rc != SQLITE_DONE) {
            return fail("read base snapshot");
        }
    } else if (start > 0) {
        Statement s = db.prepare("SELECT text FROM snapshots WHERE document = ?1 AND revision = ?2");
        s.bind(1, document).bind(2, static_cast<std::int64_t>(start));
        const int rc = s.step();
        if (rc == SQLITE_ROW) {
            rec.base_revision = start;
            rec.base_text = s.text(0);
        } else if (rc != SQLITE_DONE) {
            return fail("read base snapshot");
        } else {
            db.exec("ROLLBACK");
            return ot::Error{"document " + document + ": no keyframe at its first kept revision " + std::to_string(start)};
        }
    }
    {
        Statement s = db.prepare(
            "SELECT revision, operation, client, seq, author, time, restore FROM operations WHERE document = ?1 "
            "AND revision >= ?2 ORDER BY revision");
        s.bind(1, document).bind(2, static_cast<std::int64_t>(rec.base_revision));
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) {
            OpRecord op;
            op.revision = static_cast<std::uint64_t>(s.int64(0));
            op.operation_json = s.text(1);
            op.client = s.opt_text(2);
            if (!s.is_null(3)) op.seq = static_cast<std::uint64_t>(s.int64(3));
            op.author = static_cast<std::uint64_t>(s.int64(4));
            op.time_ms = s.int64(5);
            if (!s.is_null(6)) op.restore = static_cast<std::uint64_t>(s.int64(6));
            rec.ops.push_back(std::move(op));
        }
        if (rc != SQLITE_DONE) return fail("read operations");
    }
    db.exec("COMMIT");
    if (!rec.ops.empty()) rec.exists = true;
    return rec;
}

ot::Result<LatestText> SqliteStorage::load_latest(const std::string& document) {
    std::lock_guard lock(*loader_mutex_);
    Connection& db = *loader_;
    auto fail = [&](const char* what) -> ot::Result<LatestText> {
        std::string e = db.last_error();
        db.exec("ROLLBACK");
        healthy_ = false;
        log::error("storage read failed", {{"what", what}, {"error", e}});
        return ot::Error{std::string(what) + ": " + e};
    };
    // One read transaction: the snapshot and the operations after it are from the same commit.
    if (!db.exec("BEGIN")) return fail("begin");
    LatestText rec;
    {
        Statement s = db.prepare("SELECT 1 FROM documents WHERE id = ?1");
        s.bind(1, document);
        const int rc = s.step();
        if (rc == SQLITE_ROW) rec.exists = true;
        else if (rc != SQLITE_DONE) return fail("read document");
    }
    {
        Statement s = db.prepare(
            "SELECT revision, text FROM snapshots WHERE document = ?1 ORDER BY revision DESC LIMIT 1");
        s.bind(1, document);
        const int rc = s.step();
        if (rc == SQLITE_ROW) {
            rec.snapshot_revision = static_cast<std::uint64_t>(s.int64(0));
            rec.snapshot_text = s.text(1);
        } else if (rc != SQLITE_DONE) {
            return fail("read snapshot");
        }
    }
    {
        Statement s = db.prepare(
            "SELECT revision, operation FROM operations WHERE document = ?1 AND revision >= ?2 ORDER BY revision");
        s.bind(1, document).bind(2, static_cast<std::int64_t>(rec.snapshot_revision));
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) {
            OpRecord op;
            op.revision = static_cast<std::uint64_t>(s.int64(0));
            op.operation_json = s.text(1);
            rec.ops.push_back(std::move(op));
        }
        if (rc != SQLITE_DONE) return fail("read operations");
    }
    db.exec("COMMIT");
    if (!rec.ops.empty()) rec.exists = true;
    return rec;
}

ot::Result<std::optional<std::string>> SqliteStorage::load_otp(const std::string& document) {
    std::lock_guard lock(*reader_mutex_);
    Statement s = reader_->prepare("SELECT otp FROM documents WHERE id = ?1");
    s.bind(1, document);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return s.opt_text(0);
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    healthy_ = false;
    return ot::Error{"read otp: " + reader_->last_error()};
}

ot::Result<std::optional<std::string>> SqliteStorage::load_view_token(const std::string& document) {
    std::lock_guard lock(*reader_mutex_);
    Statement s = reader_->prepare("SELECT view_token FROM documents WHERE id = ?1");
    s.bind(1, document);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return s.opt_text(0);
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    healthy_ = false;
    return ot::Error{"read view token: " + reader_->last_error()};
}

ot::Result<std::uint64_t> SqliteStorage::count_documents() {
    std::lock_guard lock(*reader_mutex_);
    Statement s = reader_->prepare("SELECT count(*) FROM documents");
    if (s.step() != SQLITE_ROW) {
        healthy_ = false;
        return ot::Error{"count documents: " + reader_->last_error()};
    }
    return static_cast<std::uint64_t>(s.int64(0));
}

}  // namespace kolabpad::server::storage
