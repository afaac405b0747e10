#include "cluster/lease_store.hpp"

namespace kolabpad::server::cluster {
namespace {

using storage::PgFailure;
using storage::PgParams;
using storage::PgResult;

// Milliseconds from the database's now() to a timestamp column.
#define KP_MS_LEFT(column) "(extract(epoch FROM (" column " - now())) * 1000)::bigint"

const char* const k_acquire =
    "WITH taken AS ("
    "  INSERT INTO leases AS l (document, owner, epoch, expires_at, successor, acquired_at)"
    "  VALUES ($1, $2, 1, now() + $3::double precision * interval '1 millisecond', NULL, now())"
    "  ON CONFLICT (document) DO UPDATE"
    "    SET owner = excluded.owner, epoch = l.epoch + 1, expires_at = excluded.expires_at, successor = NULL,"
    "        acquired_at = now()"
    "    WHERE l.expires_at <= now() OR l.owner = excluded.owner OR l.successor = excluded.owner"
    "  RETURNING l.epoch, l.expires_at) "
    "SELECT true, epoch, $2::text, " KP_MS_LEFT("expires_at") ", NULL::text FROM taken "
    "UNION ALL "
    "SELECT false, epoch, owner, " KP_MS_LEFT("expires_at") ", successor FROM leases "
    "WHERE document = $1 AND NOT EXISTS (SELECT 1 FROM taken)";

// Rows are locked in document order, as PgStorage's writer locks them, so the two never deadlock.
const char* const k_renew =
    "WITH wanted AS (SELECT w.document, w.epoch FROM unnest($2::text[], $3::bigint[]) AS w(document, epoch)), "
    "mine AS (SELECT l.document FROM leases l JOIN wanted w ON w.document = l.document AND w.epoch = l.epoch"
    "  WHERE l.owner = $1 AND l.expires_at > now() AND l.successor IS NULL"
    "  ORDER BY l.document FOR NO KEY UPDATE OF l) "
    "UPDATE leases SET expires_at = now() + $4::double precision * interval '1 millisecond' "
    "FROM mine WHERE leases.document = mine.document "
    "RETURNING leases.document, leases.epoch, " KP_MS_LEFT("leases.expires_at");

const char* const k_release =
    "UPDATE leases SET successor = $4::text, expires_at = CASE WHEN $4::text IS NULL THEN now()"
    "  ELSE now() + $5::double precision * interval '1 millisecond' END "
    "WHERE document = $1 AND owner = $2 AND epoch = $3";

const char* const k_read =
    "SELECT owner, epoch, " KP_MS_LEFT("expires_at") ", expires_at <= now(), successor FROM leases WHERE document = $1";

const char* const k_read_many =
    "SELECT document, owner, epoch, " KP_MS_LEFT("expires_at") ", expires_at <= now(), successor FROM leases "
    "WHERE document = ANY($1::text[])";

#undef KP_MS_LEFT

ot::Error error_of(const char* what, const PgResult& r) { return ot::Error{std::string(what) + ": " + r.error()}; }

}  // namespace

ot::Result<std::unique_ptr<LeaseStore>> LeaseStore::open(const std::string& conninfo, const std::string& instance_id,
                                                         std::chrono::milliseconds timeout) {
    std::unique_ptr<LeaseStore> s(new LeaseStore());
    s->conninfo_ = conninfo;
    s->application_ = "kolabpad " + instance_id + " leases";
    s->timeout_ = timeout;
    if (auto r = s->db_.open(conninfo, s->application_, timeout); !r) return ot::Error{r.error()};
    return s;
}

PgResult LeaseStore::run(const std::string& sql, const PgParams& params) {
    for (int attempt = 0;; ++attempt) {
        if (!db_.is_open()) {
            if (auto r = db_.open(conninfo_, application_, timeout_); !r) {
                return PgResult(nullptr, PgFailure::connection, r.error());
            }
        }
        PgResult r = db_.exec(sql, params);
        if (r.ok() || r.failure() != PgFailure::connection || attempt > 0) return r;
    }
}

ot::Result<Acquired> LeaseStore::acquire(const std::string& document, const std::string& instance,
                                         std::chrono::milliseconds ttl) {
    std::lock_guard lock(mu_);
    // The second half of the statement reads the statement's snapshot: a row a concurrent
    // acquirer committed just after it began is invisible there, and the answer comes back empty.
    for (int attempt = 0; attempt < 5; ++attempt) {
        PgResult r = run(k_acquire, PgParams().text(document).text(instance).int8(ttl.count()));
        if (!r.ok()) return error_of("acquire lease", r);
        if (r.rows() == 0) continue;
        const auto epoch = static_cast<std::uint64_t>(r.int8(0, 1));
        if (r.boolean(0, 0)) return Acquired(Lease{document, epoch, r.int8(0, 3)});
        return Acquired(HeldBy{r.bytes(0, 2), epoch, r.int8(0, 3), r.opt_bytes(0, 4)});
    }
    return ot::Error{"acquire lease: no answer after 5 attempts (heavy contention)"};
}

ot::Result<std::vector<Lease>> LeaseStore::renew(const std::string& instance,
                                                 const std::vector<std::pair<std::string, std::uint64_t>>& held,
                                                 std::chrono::milliseconds ttl) {
    std::lock_guard lock(mu_);
    std::vector<std::string> documents;
    std::vector<std::optional<std::int64_t>> epochs;
    for (const auto& [d, e] : held) {
        documents.push_back(d);
        epochs.push_back(static_cast<std::int64_t>(e));
    }
    PgResult r = run(k_renew, PgParams().text(instance).text_array(documents).int8_array(epochs).int8(ttl.count()));
    if (!r.ok()) return error_of("renew leases", r);
    std::vector<Lease> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back(Lease{r.bytes(i, 0), static_cast<std::uint64_t>(r.int8(i, 1)), r.int8(i, 2)});
    }
    return out;
}

ot::Result<bool> LeaseStore::release(const std::string& document, const std::string& instance, std::uint64_t epoch,
                                     const std::optional<std::string>& successor, std::chrono::milliseconds reserve) {
    std::lock_guard lock(mu_);
    PgResult r = run(k_release, PgParams()
                                    .text(document)
                                    .text(instance)
                                    .int8(static_cast<std::int64_t>(epoch))
                                    .text(successor)
                                    .int8(reserve.count()));
    if (!r.ok()) return error_of("release lease", r);
    return r.affected() > 0;
}

ot::Result<std::optional<LeaseInfo>> LeaseStore::read(const std::string& document) {
    std::lock_guard lock(mu_);
    PgResult r = run(k_read, PgParams().text(document));
    if (!r.ok()) return error_of("read lease", r);
    if (r.rows() == 0) return std::optional<LeaseInfo>();
    return std::optional<LeaseInfo>(
        LeaseInfo{r.bytes(0, 0), static_cast<std::uint64_t>(r.int8(0, 1)), r.int8(0, 2), r.boolean(0, 3), r.opt_bytes(0, 4)});
}

ot::Result<std::vector<std::pair<std::string, LeaseInfo>>> LeaseStore::read_many(const std::vector<std::string>& documents) {
    std::lock_guard lock(mu_);
    PgResult r = run(k_read_many, PgParams().text_array(documents));
    if (!r.ok()) return error_of("read leases", r);
    std::vector<std::pair<std::string, LeaseInfo>> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.emplace_back(r.bytes(i, 0), LeaseInfo{r.bytes(i, 1), static_cast<std::uint64_t>(r.int8(i, 2)), r.int8(i, 3),
                                                  r.boolean(i, 4), r.opt_bytes(i, 5)});
    }
    return out;
}

ot::Result<UserIdBlock> LeaseStore::reserve_user_ids() {
    std::lock_guard lock(mu_);
    if (!db_.is_open()) {
        if (auto r = db_.open(conninfo_, application_, timeout_); !r) return ot::Error{r.error()};
    }
    auto b = reserve_user_id_block(db_);
    if (b || db_.is_open()) return b;
    if (auto r = db_.open(conninfo_, application_, timeout_); !r) return ot::Error{r.error()};
    return reserve_user_id_block(db_);
}

}  // namespace kolabpad::server::cluster
