#include "storage/pg_storage.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <unordered_set>

#include "log/log.hpp"
#include "storage/pg_migrations.hpp"

namespace kolabpad::server::storage {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const std::string& document_of(const WriteItem& item) {
    return std::visit([](const auto& w) -> const std::string& { return w.document; }, item);
}

std::string random_hex() {
    std::random_device rd;
    const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

// The first failed result of a pipeline, or nullptr.
const PgResult* first_failure(const std::vector<PgResult>& results) {
    for (const PgResult& r : results) {
        if (!r.ok()) return &r;
    }
    return nullptr;
}

PgStatement sql(std::string text, PgParams params = PgParams()) {
    return PgStatement{std::move(text), std::move(params), false};
}

PgStatement prepared(std::string name, PgParams params) { return PgStatement{std::move(name), std::move(params), true}; }

std::vector<OpRecord> read_ops(const PgResult& r) {
    std::vector<OpRecord> ops;
    ops.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        OpRecord op;
        op.revision = static_cast<std::uint64_t>(r.int8(i, 0));
        op.operation_json = r.bytes(i, 1);
        op.client = r.opt_bytes(i, 2);
        if (!r.is_null(i, 3)) op.seq = static_cast<std::uint64_t>(r.int8(i, 3));
        op.author = static_cast<std::uint64_t>(r.int8(i, 4));
        op.time_ms = r.int8(i, 5);
        if (!r.is_null(i, 6)) op.restore = static_cast<std::uint64_t>(r.int8(i, 6));
        ops.push_back(std::move(op));
    }
    return ops;
}

void read_document_row(const PgResult& r, DocumentRecord& rec) {
    if (r.rows() == 0) return;
    rec.exists = true;
    rec.language = r.opt_bytes(0, 0);
    rec.otp = r.opt_bytes(0, 1);
    rec.next_user_id = static_cast<std::uint64_t>(r.int8(0, 2));
    rec.view_token = r.opt_bytes(0, 3);
}

constexpr const char* k_ops_columns = "SELECT revision, operation, client, seq, author, time, restore FROM operations ";

}  // namespace

// A few reader connections, each connected on first use and again after it proved broken.
class PgStorage::ReaderPool {
public:
    ReaderPool(std::string conninfo, std::string application, std::chrono::milliseconds timeout, unsigned n)
        : conninfo_(std::move(conninfo)), application_(std::move(application)), timeout_(timeout) {
        for (unsigned i = 0; i < std::max(1u, n); ++i) free_.push_back(std::make_unique<PgConnection>());
    }

    // Runs `statements` as one pipeline; a connection that turns out broken (the server restarted
    // since it was last used) is replaced once.
    ot::Result<std::vector<PgResult>> read(const std::vector<PgStatement>& statements) {
        std::unique_ptr<PgConnection> c = take();
        auto result = run(*c, statements);
        give(std::move(c));
        return result;
    }

private:
    ot::Result<std::vector<PgResult>> run(PgConnection& c, const std::vector<PgStatement>& statements) {
        for (int attempt = 0;; ++attempt) {
            if (!c.is_open()) {
                if (auto r = c.open(conninfo_, application_, timeout_); !r) {
                    return ot::Error{"PostgreSQL unavailable: " + r.error()};
                }
            }
            std::vector<PgResult> results = c.pipeline(statements);
            const PgResult* f = first_failure(results);
            if (!f) return results;
            if (f->failure() == PgFailure::connection && attempt == 0) continue;
            std::string e = (f->failure() == PgFailure::connection ? "PostgreSQL unavailable: " : "PostgreSQL read failed: ") +
                            f->error();
            if (c.is_open()) c.exec("ROLLBACK");  // a failed read transaction is left aborted
            return ot::Error{e};
        }
    }

    std::unique_ptr<PgConnection> take() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !free_.empty(); });
        auto c = std::move(free_.back());
        free_.pop_back();
        return c;
    }
    void give(std::unique_ptr<PgConnection> c) {
        {
            std::lock_guard lock(mu_);
            free_.push_back(std::move(c));
        }
        cv_.notify_one();
    }

    std::string conninfo_;
    std::string application_;
    std::chrono::milliseconds timeout_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<PgConnection>> free_;
};

PgStorage::PgStorage(PgOptions options) : options_(std::move(options)) {}

ot::Result<std::unique_ptr<PgStorage>> PgStorage::open(const std::string& conninfo, PgOptions options) {
    std::unique_ptr<PgStorage> s(new PgStorage(std::move(options)));
    if (auto r = s->init(conninfo); !r) return ot::Error{r.error()};
    return s;
}

std::string PgStorage::fence(const std::string& document, const std::string& generation) const {
    // Passes when the document's lease row holds exactly this epoch; without a lease row, only
    // when leases are not required. lock_leases has locked the row FOR SHARE, so every statement
    // of the transaction sees the same epoch, and no lease can change hands before COMMIT.
    if (options_.require_lease) {
        return "EXISTS (SELECT 1 FROM leases f WHERE f.document = " + document + " AND f.epoch = " + generation + ")";
    }
    return "NOT EXISTS (SELECT 1 FROM leases f WHERE f.document = " + document + " AND f.epoch <> " + generation + ")";
}

void PgStorage::define_writer_statements() {
    using namespace pg_type;
    writer_.define("lock_leases", "SELECT 1 FROM leases WHERE document = ANY($1) ORDER BY document FOR SHARE",
                   {text_array});
    writer_.define("upsert_documents",
                   "INSERT INTO documents (id, created_at, updated_at) SELECT DISTINCT u.d, $3::bigint, $3::bigint "
                   "FROM unnest($1::text[], $2::bigint[]) AS u(d, g) WHERE " +
                       fence("u.d", "u.g") + " ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
                   {text_array, int8_array, int8});
    writer_.define("insert_operations",
                   "INSERT INTO operations (document, revision, operation, client, seq, author, time, inserted, deleted, "
                   "restore) SELECT u.d, u.r, u.o, u.c, u.s, u.a, u.t, u.i, u.x, u.rs FROM unnest($1::text[], "
                   "$2::bigint[], $3::text[], $4::bytea[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], "
                   "$9::bigint[], $10::bigint[], $11::bigint[]) AS u(d, r, o, c, s, a, t, g, i, x, rs) "
                   "WHERE " + fence("u.d", "u.g") + " RETURNING document, revision",
                   {text_array, int8_array, text_array, bytea_array, int8_array, int8_array, int8_array, int8_array,
                    int8_array, int8_array, int8_array});
    writer_.define("insert_operation",
                   "INSERT INTO operations (document, revision, operation, client, seq, author, time, inserted, deleted, "
                   "restore) SELECT $1, $2, $3, $4, $5, $6, $7, $9, $10, $11 WHERE " + fence("$1", "$8"),
                   {text, int8, text, bytea, int8, int8, int8, int8, int8, int8, int8});
    // A keyframe: the text and its authorship at `revision`, next_user_id raised; nothing is dropped.
    writer_.define("save_snapshot",
                   "WITH ok AS (SELECT 1 WHERE " + fence("$1", "$5") + "), "
                   "put AS (INSERT INTO snapshots (document, revision, text, time, attribution) "
                   "  SELECT $1, $2, $3, $4, $7 FROM ok ON CONFLICT (document, revision) DO UPDATE "
                   "  SET text = excluded.text, time = excluded.time, attribution = excluded.attribution) "
                   "UPDATE documents SET next_user_id = greatest(next_user_id, $6) WHERE id = $1 AND EXISTS (SELECT 1 FROM ok)",
                   {text, int8, bytea, int8, int8, int8, text});
    writer_.define("put_user_info",
                   "INSERT INTO user_infos (document, user_id, revision, time, name, hue) SELECT $1, $2, $3, $4, $5, $6 "
                   "WHERE " + fence("$1", "$7") + " ON CONFLICT (document, user_id, revision) DO UPDATE "
                   "SET time = excluded.time, name = excluded.name, hue = excluded.hue",
                   {text, int8, int8, int8, text, int8, int8});
    writer_.define("put_version",
                   "INSERT INTO versions (document, revision, name, user_id, time) SELECT $1, $2, $3, $4, $5 "
                   "WHERE " + fence("$1", "$6") + " ON CONFLICT (document, revision) DO UPDATE "
                   "SET name = excluded.name, user_id = excluded.user_id, time = excluded.time",
                   {text, int8, text, int8, int8, int8});
    // Retention (unfenced: it removes only what no instance writes any more). A materialized keyframe
    // first, then the drop, each user's latest record at or before the new start kept.
    writer_.define("put_keyframe",
                   "INSERT INTO snapshots (document, revision, text, time, attribution) VALUES ($1, $2, $3, $4, $5) "
                   "ON CONFLICT (document, revision) DO NOTHING",
                   {text, int8, bytea, int8, text});
    writer_.define("drop_history",
                   "WITH ops AS (DELETE FROM operations WHERE document = $1 AND revision < $2), "
                   "kf AS (DELETE FROM snapshots WHERE document = $1 AND revision < $2 "
                   "  AND revision NOT IN (SELECT revision FROM versions WHERE document = $1)) "
                   "DELETE FROM user_infos WHERE document = $1 AND revision < $2 AND revision < "
                   "(SELECT max(u.revision) FROM user_infos u WHERE u.document = $1 AND u.user_id = user_infos.user_id "
                   "AND u.revision <= $2)",
                   {text, int8});
    writer_.define("save_meta",
                   "UPDATE documents SET language = $2, otp = $3, view_token = $4 WHERE id = $1 AND " + fence("$1", "$5"),
                   {text, text, text, text, int8});
    writer_.define("mark_commit",
                   "INSERT INTO writer_commits (writer, batch, at) VALUES ($1, $2, now()) "
                   "ON CONFLICT (writer) DO UPDATE SET batch = excluded.batch, at = excluded.at",
                   {text, int8});
    writer_.define("read_mark", "SELECT batch FROM writer_commits WHERE writer = $1", {text});
    writer_.define("read_epochs", "SELECT document, epoch FROM leases WHERE document = ANY($1)", {text_array});
}

ot::Result<bool> PgStorage::init(const std::string& conninfo) {
    conninfo_ = conninfo;
    writer_id_ = options_.instance_id + "/" + random_hex();
    // Migrations first, on a connection without the writer's statements (their tables may not exist yet).
    {
        PgConnection setup;
        if (auto r = setup.open(conninfo_, "kolabpad " + options_.instance_id, options_.timeout); !r) return r;
        if (auto r = pg_migrate(setup); !r) return ot::Error{r.error()};
    }
    define_writer_statements();
    if (auto r = open_writer(); !r) return r;
    writer_.exec("DELETE FROM writer_commits WHERE at < now() - interval '7 days'");
    readers_ = std::make_unique<ReaderPool>(conninfo_, "kolabpad " + options_.instance_id + " reader",
                                            options_.timeout, options_.readers);
    thread_ = std::thread([this] { run_writer(); });
    return true;
}

ot::Result<bool> PgStorage::open_writer() {
    if (auto r = writer_.open(conninfo_, "kolabpad " + options_.instance_id + " writer", options_.timeout); !r) return r;
    // An acknowledgement promises durability: with synchronous_commit=off the server would
    // answer COMMIT before its WAL is flushed.
    auto sc = writer_.exec("SELECT current_setting('synchronous_commit')");
    if (!sc.ok()) return ot::Error{"cannot read synchronous_commit: " + sc.error()};
    if (sc.bytes(0, 0) == "off") {
        log::warn("PostgreSQL has synchronous_commit=off; the storage writer turns it on for its connection");
        if (auto r = writer_.exec("SET synchronous_commit TO on"); !r.ok()) {
            return ot::Error{"cannot set synchronous_commit: " + r.error()};
        }
    }
    return true;
}

PgStorage::~PgStorage() { close(); }

void PgStorage::close() {
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void PgStorage::submit(WriteItem item, std::uint64_t generation, WriteDone done, Commit) {
    // Classic group commit: the writer commits as soon as it is free; whatever arrives during a
    // commit joins the next one (the commit window of SQLite does not apply).
    {
        std::lock_guard lock(queue_mutex_);
        if (!stopping_) {
            const bool wake = queue_.empty();
            queue_.push_back(Pending{std::move(item), generation, std::move(done)});
            ++submitted_;
            if (wake) queue_cv_.notify_one();
            return;
        }
    }
    if (done) done(false);
}

void PgStorage::flush() {
    std::unique_lock lock(queue_mutex_);
    const std::uint64_t target = submitted_;
    done_cv_.wait(lock, [&] { return finished_ >= target; });
}

void PgStorage::after_batch(std::function<void()> f) {
    if (in_callbacks_ && std::this_thread::get_id() == thread_.get_id()) {
        after_batch_.push_back(std::move(f));
    } else {
        f();
    }
}

std::uint64_t PgStorage::pending_writes() const {
    std::lock_guard lock(queue_mutex_);
    return submitted_ - finished_;
}

void PgStorage::run_writer() {
    std::vector<Pending> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) break;  // stopping, and everything is written
            while (!queue_.empty() && batch.size() < max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        const std::vector<bool> stored = commit_batch(batch);
        {
            // A (document, generation) with a write not stored fails from now on: no gap in its log.
            std::lock_guard lock(queue_mutex_);
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (!stored[i]) failed_.insert({document_of(batch[i].item), batch[i].generation});
            }
        }
        in_callbacks_ = true;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (batch[i].done) batch[i].done(stored[i]);
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

std::vector<bool> PgStorage::commit_batch(std::vector<Pending>& batch) {
    std::vector<bool> stored(batch.size(), false);
    // Writes of a (document, generation) that already lost a write never reach the database.
    std::vector<const Pending*> live;
    std::vector<std::size_t> index;  // live[i] is &batch[index[i]]
    {
        std::lock_guard lock(queue_mutex_);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (failed_.count({document_of(batch[i].item), batch[i].generation})) continue;
            index.push_back(i);
        }
    }
    if (index.empty()) return stored;
    live.reserve(index.size());
    for (std::size_t i : index) live.push_back(&batch[i]);

    ++batch_number_;
    const auto started = Clock::now();
    auto backoff = std::chrono::milliseconds(20);
    bool interrupted = false;  // an attempt's COMMIT may have reached the server without its answer reaching us
    bool retried = false;
    auto done = [&](const std::vector<bool>& live_stored) {
        for (std::size_t i = 0; i < index.size(); ++i) stored[index[i]] = live_stored[i];
        if (retried) retried_batches_.fetch_add(1);
        writer_retrying_ = false;
        healthy_ = true;
        return stored;
    };
    for (;;) {
        std::string error;
        if (!writer_.is_open()) {
            if (auto r = open_writer(); !r) error = r.error();
        }
        if (writer_.is_open() && interrupted) {
            // The interrupted attempt stays a suspect: if it was still running, it may commit later.
            Resolution r = resolve_interrupted(live);
            if (r.state == Resolution::committed) return done(r.stored);
            if (r.state == Resolution::unknown) error = "could not tell whether an interrupted commit went through";
        }
        if (writer_.is_open() && error.empty()) {
            const auto t0 = Clock::now();
            Attempt a = try_commit(live);
            if (a.kind == Attempt::committed) {
                commit_latency_.observe(std::chrono::duration<double>(Clock::now() - t0).count());
                commit_batch_sizes_.observe(static_cast<double>(live.size()));
                return done(a.stored);
            }
            interrupted = interrupted || a.commit_sent;
            if (a.kind == Attempt::failed) {
                // A retry can collide with its own interrupted attempt that committed meanwhile.
                if (interrupted && writer_.is_open()) {
                    Resolution r = resolve_interrupted(live);
                    if (r.state == Resolution::committed) return done(r.stored);
                }
                log::error("storage write failed", {{"error", a.error}, {"writes", std::to_string(live.size())}});
                writer_retrying_ = false;
                healthy_ = false;
                return stored;
            }
            error = a.error;
        }
        writer_retrying_ = true;
        healthy_ = false;
        if (!retried) {
            log::warn("storage write interrupted; retrying", {{"error", error}, {"writes", std::to_string(live.size())}});
        }
        retried = true;
        const auto elapsed = Clock::now() - started;
        if (elapsed >= options_.retry_for) {
            log::error("storage write failed: PostgreSQL did not come back in time",
                       {{"error", error}, {"writes", std::to_string(live.size())},
                        {"retry_ms", std::to_string(options_.retry_for.count())}});
            writer_retrying_ = false;
            return stored;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(options_.retry_for - elapsed);
        std::this_thread::sleep_for(std::min(backoff, left));
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
}

PgStorage::Attempt PgStorage::try_commit(const std::vector<const Pending*>& batch) {
    Attempt a;
    const std::int64_t now = now_ms();
    std::set<std::string> documents;
    std::set<std::pair<std::string, std::uint64_t>> pairs;
    for (const Pending* p : batch) {
        documents.insert(document_of(p->item));
        pairs.insert({document_of(p->item), p->generation});
    }
    std::vector<std::string> pair_docs;
    std::vector<std::optional<std::int64_t>> pair_gens;
    for (const auto& [d, g] : pairs) {
        pair_docs.push_back(d);
        pair_gens.push_back(static_cast<std::int64_t>(g));
    }

    std::vector<PgStatement> st;
    st.push_back(sql("BEGIN"));
    st.push_back(prepared("lock_leases", PgParams().text_array({documents.begin(), documents.end()})));
    st.push_back(prepared("upsert_documents", PgParams().text_array(pair_docs).int8_array(pair_gens).int8(now)));
    // Which statement stores each write: for a multi-row insert, several writes share one.
    std::vector<std::size_t> statement_of(batch.size(), 0);
    std::vector<std::size_t> appends;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (std::holds_alternative<AppendOp>(batch[i]->item)) appends.push_back(i);
    }
    if (options_.multi_row && !appends.empty()) {
        std::vector<std::string> d, o;
        std::vector<std::optional<std::int64_t>> r, s, au, t, g, ins, del, rs;
        std::vector<std::optional<std::string>> c;
        for (std::size_t i : appends) {
            const auto& op = std::get<AppendOp>(batch[i]->item);
            d.push_back(op.document);
            r.push_back(static_cast<std::int64_t>(op.op.revision));
            o.push_back(op.op.operation_json);
            c.push_back(op.op.client);
            s.push_back(op.op.seq ? std::optional<std::int64_t>(static_cast<std::int64_t>(*op.op.seq)) : std::nullopt);
            au.push_back(static_cast<std::int64_t>(op.op.author));
            t.push_back(op.op.time_ms);
            g.push_back(static_cast<std::int64_t>(batch[i]->generation));
            ins.push_back(static_cast<std::int64_t>(op.op.inserted));
            del.push_back(static_cast<std::int64_t>(op.op.deleted));
            rs.push_back(op.op.restore ? std::optional<std::int64_t>(static_cast<std::int64_t>(*op.op.restore))
                                       : std::nullopt);
            statement_of[i] = st.size();
        }
        st.push_back(prepared("insert_operations", PgParams()
                                                       .text_array(d)
                                                       .int8_array(r)
                                                       .text_array(o)
                                                       .bytes_array(c)
                                                       .int8_array(s)
                                                       .int8_array(au)
                                                       .int8_array(t)
                                                       .int8_array(g)
                                                       .int8_array(ins)
                                                       .int8_array(del)
                                                       .int8_array(rs)));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto gen = static_cast<std::int64_t>(batch[i]->generation);
        if (const auto* op = std::get_if<AppendOp>(&batch[i]->item)) {
            if (options_.multi_row) continue;
            statement_of[i] = st.size();
            st.push_back(prepared("insert_operation", PgParams()
                                                          .text(op->document)
                                                          .int8(static_cast<std::int64_t>(op->op.revision))
                                                          .text(op->op.operation_json)
                                                          .bytes(op->op.client)
                                                          .int8(op->op.seq)
                                                          .int8(static_cast<std::int64_t>(op->op.author))
                                                          .int8(op->op.time_ms)
                                                          .int8(gen)
                                                          .int8(static_cast<std::int64_t>(op->op.inserted))
                                                          .int8(static_cast<std::int64_t>(op->op.deleted))
                                                          .int8(op->op.restore)));
        } else if (const auto* s = std::get_if<SaveSnapshot>(&batch[i]->item)) {
            statement_of[i] = st.size();
            st.push_back(prepared("save_snapshot", PgParams()
                                                       .text(s->document)
                                                       .int8(static_cast<std::int64_t>(s->revision))
                                                       .bytes(s->text)
                                                       .int8(now)
                                                       .int8(gen)
                                                       .int8(static_cast<std::int64_t>(s->next_user_id))
                                                       .text(s->attribution_json)));
        } else if (const auto* u = std::get_if<PutUserInfo>(&batch[i]->item)) {
            statement_of[i] = st.size();
            st.push_back(prepared("put_user_info", PgParams()
                                                       .text(u->document)
                                                       .int8(static_cast<std::int64_t>(u->info.user))
                                                       .int8(static_cast<std::int64_t>(u->info.revision))
                                                       .int8(u->info.time_ms)
                                                       .text(u->info.name)
                                                       .int8(std::int64_t{u->info.hue})
                                                       .int8(gen)));
        } else if (const auto* v = std::get_if<PutVersion>(&batch[i]->item)) {
            statement_of[i] = st.size();
            st.push_back(prepared("put_version", PgParams()
                                                     .text(v->document)
                                                     .int8(static_cast<std::int64_t>(v->version.revision))
                                                     .text(v->version.name)
                                                     .int8(static_cast<std::int64_t>(v->version.user))
                                                     .int8(v->version.time_ms)
                                                     .int8(gen)));
        } else if (const auto* h = std::get_if<DropHistory>(&batch[i]->item)) {
            for (const history::KeyframeRecord& k : h->materialize) {
                st.push_back(prepared("put_keyframe", PgParams()
                                                          .text(h->document)
                                                          .int8(static_cast<std::int64_t>(k.revision))
                                                          .bytes(k.text)
                                                          .int8(now)
                                                          .text(k.attribution_json)));
            }
            statement_of[i] = st.size();
            st.push_back(prepared("drop_history",
                                  PgParams().text(h->document).int8(static_cast<std::int64_t>(h->start))));
        } else {
            const auto& m = std::get<SaveMeta>(batch[i]->item);
            statement_of[i] = st.size();
            st.push_back(prepared("save_meta", PgParams().text(m.document).text(m.language).text(m.otp).text(m.view_token).int8(gen)));
        }
    }
    st.push_back(prepared("mark_commit", PgParams().text(writer_id_).int8(static_cast<std::int64_t>(batch_number_))));
    st.push_back(sql("COMMIT"));

    std::vector<PgResult> results;
    if (options_.pipeline) {
        results = writer_.pipeline(st);
    } else {
        for (const PgStatement& s : st) {
            results.push_back(s.prepared ? writer_.exec_prepared(s.name_or_sql, s.params)
                                         : writer_.exec(s.name_or_sql, s.params));
            if (!results.back().ok()) break;
        }
    }
    if (const PgResult* f = first_failure(results)) {
        a.error = f->error();
        if (f->failure() == PgFailure::connection) {
            // Pipelined, the COMMIT was sent with everything else; one at a time, only if it was reached.
            a.commit_sent = options_.pipeline || results.size() == st.size();
            a.kind = Attempt::retry;
        } else {
            // The server rolled the transaction back; leave its aborted state behind.
            if (writer_.is_open()) writer_.exec("ROLLBACK");
            a.kind = f->failure() == PgFailure::conflict ? Attempt::retry : Attempt::failed;
        }
        return a;
    }
    // Committed: a write counts as stored only if its statement stored it (the fence held).
    a.kind = Attempt::committed;
    a.stored.assign(batch.size(), false);
    std::set<std::pair<std::string, std::int64_t>> inserted;
    if (options_.multi_row && !appends.empty()) {
        const PgResult& r = results[statement_of[appends.front()]];
        for (int row = 0; row < r.rows(); ++row) inserted.insert({r.bytes(row, 0), r.int8(row, 1)});
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (const auto* op = std::get_if<AppendOp>(&batch[i]->item); op && options_.multi_row) {
            a.stored[i] = inserted.count({op->document, static_cast<std::int64_t>(op->op.revision)}) > 0;
        } else if (std::holds_alternative<DropHistory>(batch[i]->item)) {
            a.stored[i] = true;  // unfenced; dropping nothing is still done
        } else {
            a.stored[i] = results[statement_of[i]].affected() > 0;
        }
    }
    return a;
}

PgStorage::Resolution PgStorage::resolve_interrupted(const std::vector<const Pending*>& batch) {
    Resolution out;
    auto mark = writer_.exec_prepared("read_mark", PgParams().text(writer_id_));
    if (!mark.ok()) return out;
    if (mark.rows() == 0 || mark.int8(0, 0) < static_cast<std::int64_t>(batch_number_)) {
        out.state = Resolution::not_committed;
        return out;
    }
    // It committed, but its answers were lost: what the fence let through follows from the epochs
    // now (they only grow, and a generation is an epoch this instance was given before writing).
    // Without a lease row a write passed only if leases are not required; a lease row that
    // appeared since cannot be told apart, so such writes count as failed (never the other way).
    std::set<std::string> documents;
    for (const Pending* p : batch) documents.insert(document_of(p->item));
    auto epochs = writer_.exec_prepared("read_epochs", PgParams().text_array({documents.begin(), documents.end()}));
    if (!epochs.ok()) return out;
    std::map<std::string, std::int64_t> epoch_of;
    for (int i = 0; i < epochs.rows(); ++i) epoch_of[epochs.bytes(i, 0)] = epochs.int8(i, 1);
    out.state = Resolution::committed;
    out.stored.assign(batch.size(), false);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto it = epoch_of.find(document_of(batch[i]->item));
        out.stored[i] = options_.require_lease
                        ? it != epoch_of.end() && it->second == static_cast<std::int64_t>(batch[i]->generation)
                        : it == epoch_of.end();
    }
    log::warn("storage: an interrupted commit had gone through", {{"writes", std::to_string(batch.size())}});
    return out;
}

ot::Result<DocumentRecord> PgStorage::load(const std::string& document, LoadTail tail) {
    // As SqliteStorage::load: the kept log [start, head), the cutoff from which the rest fits in the
    // tail ($2 operations, $3 inserted code points), and `base` where the loaded tail starts. Both
    // statements that need it repeat it, in one REPEATABLE READ transaction.
    static const std::string base_cte =
        "WITH b AS (SELECT min(revision) AS first, max(revision) AS last FROM operations WHERE document = $1), "
        "k AS (SELECT max(revision) AS latest FROM snapshots WHERE document = $1), "
        "h AS (SELECT greatest(coalesce(b.last + 1, 0), coalesce(k.latest, 0)) AS head, b.first, "
        "  coalesce(k.latest, 0) AS latest FROM b, k), "
        "l AS (SELECT coalesce(h.first, h.head) AS start, h.head, h.latest FROM h), "
        "c AS (SELECT CASE WHEN l.head - l.start <= $2 THEN l.start ELSE l.head - $2 END AS lower FROM l), "
        "w AS (SELECT o.revision, sum(coalesce(o.inserted, 0)) OVER (ORDER BY o.revision DESC) AS tail "
        "  FROM operations o, c WHERE o.document = $1 AND o.revision >= c.lower), "
        "cut AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM w WHERE w.tail > $3) "
        "  THEN coalesce((SELECT min(w.revision) FROM w WHERE w.tail <= $3), l.head) ELSE c.lower END AS at FROM l, c), "
        "base AS (SELECT l.start, CASE WHEN cut.at <= l.start THEN "
        "  (SELECT s.revision FROM snapshots s WHERE s.document = $1 AND s.revision = l.start) "
        "  ELSE (SELECT min(s.revision) FROM snapshots s WHERE s.document = $1 AND s.revision >= least(cut.at, l.latest)) "
        "  END AS r FROM l, cut) ";
    const auto clamp = [](std::uint64_t v) { return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX)); };
    const auto tail_params = [&] { return PgParams().text(document).int8(clamp(tail.operations)).int8(clamp(tail.inserted)); };
    std::vector<PgStatement> st;
    st.push_back(sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    st.push_back(sql("SELECT language, otp, next_user_id, view_token FROM documents WHERE id = $1", PgParams().text(document)));
    st.push_back(sql("SELECT revision, text, attribution FROM snapshots WHERE document = $1 ORDER BY revision DESC LIMIT 1",
                     PgParams().text(document)));
    st.push_back(sql(base_cte + "SELECT base.start, base.r, (SELECT text FROM snapshots WHERE document = $1 AND "
                                "revision = base.r) FROM base",
                     tail_params()));
    st.push_back(sql(base_cte + k_ops_columns + ", base WHERE document = $1 AND revision >= coalesce(base.r, 0) "
                                                "ORDER BY revision",
                     tail_params()));
    st.push_back(sql("COMMIT"));
    auto r = read(st, "load");
    if (!r) return ot::Error{r.error()};
    const auto& res = r.value();
    DocumentRecord rec;
    read_document_row(res[1], rec);
    if (res[2].rows() == 1) {
        rec.snapshot_revision = static_cast<std::uint64_t>(res[2].int8(0, 0));
        rec.snapshot_text = res[2].bytes(0, 1);
        rec.snapshot_attribution = res[2].opt_bytes(0, 2);
    }
    const auto start = static_cast<std::uint64_t>(res[3].int8(0, 0));
    if (res[3].is_null(0, 1)) {
        // No keyframe: only a log from revision 0 (the empty text) can do without one.
        if (start > 0) return ot::Error{"document " + document + ": no keyframe at its first kept revision " + std::to_string(start)};
    } else {
        rec.base_revision = static_cast<std::uint64_t>(res[3].int8(0, 1));
        rec.base_text = res[3].bytes(0, 2);
    }
    rec.ops = read_ops(res[4]);
    if (!rec.ops.empty()) rec.exists = true;
    return rec;
}

ot::Result<std::vector<PgResult>> PgStorage::read(const std::vector<PgStatement>& statements, const char* what) {
    auto r = readers_->read(statements);
    if (!r) {
        healthy_ = false;
        log::error("storage read failed", {{"what", what}, {"error", r.error()}});
        return ot::Error{r.error()};
    }
    read_succeeded();
    return r;
}

ot::Result<LatestText> PgStorage::load_latest(const std::string& document) {
    std::vector<PgStatement> st;
    st.push_back(sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    st.push_back(sql("SELECT language, otp, next_user_id, view_token FROM documents WHERE id = $1", PgParams().text(document)));
    st.push_back(sql("SELECT revision, text FROM snapshots WHERE document = $1 ORDER BY revision DESC LIMIT 1",
                     PgParams().text(document)));
    st.push_back(sql(std::string(k_ops_columns) +
                         "WHERE document = $1 AND revision >= "
                         "coalesce((SELECT max(revision) FROM snapshots WHERE document = $1), 0) ORDER BY revision",
                     PgParams().text(document)));
    st.push_back(sql("COMMIT"));
    auto r = readers_->read(st);
    if (!r) {
        healthy_ = false;
        return ot::Error{r.error()};
    }
    read_succeeded();
    const auto& res = r.value();
    DocumentRecord doc;
    read_document_row(res[1], doc);
    LatestText rec;
    rec.exists = doc.exists;
    if (res[2].rows() == 1) {
        rec.snapshot_revision = static_cast<std::uint64_t>(res[2].int8(0, 0));
        rec.snapshot_text = res[2].bytes(0, 1);
    }
    rec.ops = read_ops(res[3]);
    if (!rec.ops.empty()) rec.exists = true;
    return rec;
}

ot::Result<std::vector<OpRecord>> PgStorage::load_ops(const std::string& document, std::uint64_t from,
                                                      std::uint64_t to) {
    if (to <= from) return std::vector<OpRecord>();
    auto r = readers_->read({sql(std::string(k_ops_columns) +
                                     "WHERE document = $1 AND revision >= $2 AND revision < $3 ORDER BY revision",
                                 PgParams()
                                     .text(document)
                                     .int8(static_cast<std::int64_t>(std::min<std::uint64_t>(from, INT64_MAX)))
                                     .int8(static_cast<std::int64_t>(std::min<std::uint64_t>(to, INT64_MAX))))});
    if (!r) {
        healthy_ = false;
        return ot::Error{r.error()};
    }
    read_succeeded();
    return read_ops(r.value()[0]);
}

ot::Result<std::optional<std::string>> PgStorage::load_otp(const std::string& document) {
    auto r = readers_->read({sql("SELECT otp FROM documents WHERE id = $1", PgParams().text(document))});
    if (!r) {
        healthy_ = false;
        return ot::Error{"read otp: " + r.error()};
    }
    read_succeeded();
    const PgResult& res = r.value()[0];
    if (res.rows() == 0) return std::optional<std::string>();
    return res.opt_bytes(0, 0);
}

ot::Result<std::optional<std::string>> PgStorage::load_view_token(const std::string& document) {
    auto r = readers_->read({sql("SELECT view_token FROM documents WHERE id = $1", PgParams().text(document))});
    if (!r) {
        healthy_ = false;
        return ot::Error{"read view token: " + r.error()};
    }
    read_succeeded();
    const PgResult& res = r.value()[0];
    if (res.rows() == 0) return std::optional<std::string>();
    return res.opt_bytes(0, 0);
}

ot::Result<std::uint64_t> PgStorage::count_documents() {
    auto r = readers_->read({sql("SELECT count(*) FROM documents")});
    if (!r) {
        healthy_ = false;
        return ot::Error{"count documents: " + r.error()};
    }
    read_succeeded();
    return static_cast<std::uint64_t>(r.value()[0].int8(0, 0));
}

void PgStorage::read_succeeded() {
    // The database answers again; while the writer still retries a batch, health waits for it.
    if (!writer_retrying_.load()) healthy_ = true;
}

}  // namespace kolabpad::server::storage
