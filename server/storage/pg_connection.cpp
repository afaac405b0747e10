#include "storage/pg_connection.hpp"

#include <endian.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "log/log.hpp"

namespace kolabpad::server::storage {
namespace {

void put32(std::string& out, std::int32_t v) {
    const std::uint32_t be = htobe32(static_cast<std::uint32_t>(v));
    out.append(reinterpret_cast<const char*>(&be), 4);
}

std::string be64(std::int64_t v) {
    const std::uint64_t be = htobe64(static_cast<std::uint64_t>(v));
    return std::string(reinterpret_cast<const char*>(&be), 8);
}

// The binary form of a one-dimensional array (the format of array_recv).
template <class T, class Encode>
std::string binary_array(Oid element, const std::vector<T>& items, Encode encode) {
    std::string out;
    bool nulls = false;
    for (const auto& i : items) nulls = nulls || !encode(i).has_value();
    put32(out, items.empty() ? 0 : 1);
    put32(out, nulls ? 1 : 0);
    put32(out, static_cast<std::int32_t>(element));
    if (items.empty()) return out;
    put32(out, static_cast<std::int32_t>(items.size()));
    put32(out, 1);  // lower bound
    for (const auto& i : items) {
        const std::optional<std::string> e = encode(i);
        if (!e) {
            put32(out, -1);
        } else {
            put32(out, static_cast<std::int32_t>(e->size()));
            out += *e;
        }
    }
    return out;
}

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30));
}

// Waits for `events` on the connection's socket; false with `why` on timeout or error.
bool wait_socket(PGconn* conn, short events, std::chrono::steady_clock::time_point deadline, std::string& why,
                 short* got = nullptr) {
    for (;;) {
        pollfd p{PQsocket(conn), events, 0};
        if (p.fd < 0) {
            why = "no socket";
            return false;
        }
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) {
            if (got) *got = p.revents;
            return true;
        }
        if (n == 0) {
            why = "timed out";
            return false;
        }
        if (errno != EINTR) {
            why = std::string("poll: ") + std::strerror(errno);
            return false;
        }
    }
}

}  // namespace

// ---- PgParams ----

PgParams& PgParams::add(Oid type, std::optional<std::string> value) {
    types_.push_back(type);
    formats_.push_back(1);
    null_.push_back(!value.has_value());
    lengths_.push_back(value ? static_cast<int>(value->size()) : 0);
    data_.push_back(value ? std::move(*value) : std::string());
    return *this;
}

PgParams& PgParams::text(std::string_view v) { return add(pg_type::text, std::string(v)); }
PgParams& PgParams::text(const std::optional<std::string>& v) { return add(pg_type::text, v); }
PgParams& PgParams::bytes(std::string_view v) { return add(pg_type::bytea, std::string(v)); }
PgParams& PgParams::bytes(const std::optional<std::string>& v) { return add(pg_type::bytea, v); }
PgParams& PgParams::int8(std::int64_t v) { return add(pg_type::int8, be64(v)); }
PgParams& PgParams::int8(const std::optional<std::uint64_t>& v) {
    if (!v) return add(pg_type::int8, std::nullopt);
    return int8(static_cast<std::int64_t>(*v));
}
PgParams& PgParams::boolean(bool v) { return add(pg_type::boolean, std::string(1, v ? '\1' : '\0')); }

PgParams& PgParams::text_array(const std::vector<std::string>& v) {
    return add(pg_type::text_array, binary_array(pg_type::text, v, [](const std::string& s) {
                   return std::optional<std::string>(s);
               }));
}
PgParams& PgParams::bytes_array(const std::vector<std::optional<std::string>>& v) {
    return add(pg_type::bytea_array,
               binary_array(pg_type::bytea, v, [](const std::optional<std::string>& s) { return s; }));
}
PgParams& PgParams::int8_array(const std::vector<std::optional<std::int64_t>>& v) {
    return add(pg_type::int8_array, binary_array(pg_type::int8, v, [](const std::optional<std::int64_t>& i) {
                   return i ? std::optional<std::string>(be64(*i)) : std::nullopt;
               }));
}

const char* const* PgParams::values() const {
    pointers_.clear();
    for (std::size_t i = 0; i < data_.size(); ++i) pointers_.push_back(null_[i] ? nullptr : data_[i].data());
    return pointers_.data();
}

// ---- PgResult ----

PgResult::PgResult(PGresult* r, PgFailure failure, std::string error)
    : r_(r), failure_(failure), error_(std::move(error)) {}
PgResult::~PgResult() { PQclear(r_); }
PgResult::PgResult(PgResult&& o) noexcept : r_(o.r_), failure_(o.failure_), error_(std::move(o.error_)) { o.r_ = nullptr; }
PgResult& PgResult::operator=(PgResult&& o) noexcept {
    if (this != &o) {
        PQclear(r_);
        r_ = o.r_;
        o.r_ = nullptr;
        failure_ = o.failure_;
        error_ = std::move(o.error_);
    }
    return *this;
}

std::string PgResult::sqlstate() const {
    const char* s = r_ ? PQresultErrorField(r_, PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
}
int PgResult::rows() const { return r_ ? PQntuples(r_) : 0; }
std::uint64_t PgResult::affected() const {
    const char* s = r_ ? PQcmdTuples(r_) : nullptr;
    return s && *s ? std::strtoull(s, nullptr, 10) : 0;
}
bool PgResult::is_null(int row, int col) const { return !r_ || PQgetisnull(r_, row, col); }

std::int64_t PgResult::int8(int row, int col) const {
    if (is_null(row, col)) return 0;
    const char* p = PQgetvalue(r_, row, col);
    switch (PQgetlength(r_, row, col)) {
        case 8: {
            std::uint64_t v;
            std::memcpy(&v, p, 8);
            return static_cast<std::int64_t>(be64toh(v));
        }
        case 4: {
            std::uint32_t v;
            std::memcpy(&v, p, 4);
            return static_cast<std::int32_t>(be32toh(v));
        }
        case 2: {
            std::uint16_t v;
            std::memcpy(&v, p, 2);
            return static_cast<std::int16_t>(be16toh(v));
        }
        default: return 0;
    }
}

bool PgResult::boolean(int row, int col) const {
    return !is_null(row, col) && PQgetlength(r_, row, col) == 1 && PQgetvalue(r_, row, col)[0] != 0;
}

std::string PgResult::bytes(int row, int col) const {
    if (is_null(row, col)) return {};
    return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::optional<std::string> PgResult::opt_bytes(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return bytes(row, col);
}

// ---- PgConnection ----

PgFailure classify_sqlstate(std::string_view s) {
    if (s.size() != 5) return PgFailure::statement;
    if (s.substr(0, 2) == "08") return PgFailure::connection;  // connection exceptions
    // Shutting down, crashed, starting up, too many connections, a standby that cannot write.
    if (s == "57P01" || s == "57P02" || s == "57P03" || s == "53300" || s == "25006") return PgFailure::connection;
    if (s == "40001" || s == "40P01") return PgFailure::conflict;
    return PgFailure::statement;
}

PgConnection::~PgConnection() { close(); }

void PgConnection::define(std::string name, std::string sql, std::vector<Oid> types) {
    definitions_.push_back(Definition{std::move(name), std::move(sql), std::move(types)});
}

void PgConnection::close() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
}

ot::Result<bool> PgConnection::open(const std::string& conninfo, const std::string& application_name,
                                    std::chrono::milliseconds timeout) {
    close();
    timeout_ = timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // dbname is expanded (a URI or key=value string); the keywords after it override its values.
    const char* keys[] = {"dbname", "fallback_application_name", "client_encoding", nullptr};
    const char* values[] = {conninfo.c_str(), application_name.c_str(), "UTF8", nullptr};
    conn_ = PQconnectStartParams(keys, values, 1);
    if (!conn_) return ot::Error{"cannot connect to PostgreSQL: out of memory"};
    auto fail = [&](std::string why) -> ot::Result<bool> {
        std::string e = "cannot connect to PostgreSQL: " + why;
        close();
        return ot::Error{e};
    };
    if (PQstatus(conn_) == CONNECTION_BAD) return fail(trimmed(PQerrorMessage(conn_)));
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK) {
        if (st == PGRES_POLLING_FAILED) return fail(trimmed(PQerrorMessage(conn_)));
        std::string why;
        if (!wait_socket(conn_, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, why)) return fail(why);
        st = PQconnectPoll(conn_);
    }
    if (PQsetnonblocking(conn_, 1) != 0) return fail(trimmed(PQerrorMessage(conn_)));
    // Server notices (NOTICE, WARNING) go to the debug log instead of libpq's stderr printer.
    PQsetNoticeProcessor(
        conn_, [](void*, const char* message) { log::debug("PostgreSQL notice", {{"message", trimmed(message)}}); },
        nullptr);
    for (const Definition& d : definitions_) {
        if (!PQsendPrepare(conn_, d.name.c_str(), d.sql.c_str(), static_cast<int>(d.types.size()), d.types.data())) {
            return fail(trimmed(PQerrorMessage(conn_)));
        }
        std::string why;
        if (!flush(deadline, why)) return fail(why);
        PgResult r = collect(deadline);
        if (!r.ok()) return fail("preparing " + d.name + ": " + r.error());
    }
    return true;
}

PgResult PgConnection::fail_connection(std::string why) {
    close();
    return PgResult(nullptr, PgFailure::connection, "PostgreSQL connection lost: " + why);
}

PgResult PgConnection::make_result(PGresult* r) {
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_PIPELINE_SYNC) {
        return PgResult(r, PgFailure::none, "");
    }
    if (st == PGRES_PIPELINE_ABORTED) {
        return PgResult(r, PgFailure::statement, "not run: an earlier statement of its pipeline failed");
    }
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    PgFailure f = state ? classify_sqlstate(state) : PgFailure::connection;
    std::string message = trimmed(PQresultErrorMessage(r));
    if (conn_ && PQstatus(conn_) == CONNECTION_BAD) {
        f = PgFailure::connection;
        close();
    }
    if (message.empty()) message = "unknown failure";
    return PgResult(r, f, std::move(message));
}

bool PgConnection::flush(std::chrono::steady_clock::time_point deadline, std::string& why) {
    for (;;) {
        if (!conn_) {
            why = "not connected";
            return false;
        }
        const int r = PQflush(conn_);
        if (r == 0) return true;
        if (r < 0) {
            why = trimmed(PQerrorMessage(conn_));
            return false;
        }
        // Read while sending, so that a server busy writing results to us never blocks on us.
        short got = 0;
        if (!wait_socket(conn_, POLLIN | POLLOUT, deadline, why, &got)) return false;
        if ((got & POLLIN) && !PQconsumeInput(conn_)) {
            why = trimmed(PQerrorMessage(conn_));
            return false;
        }
    }
}

bool PgConnection::await(std::chrono::steady_clock::time_point deadline, std::string& why) {
    if (!conn_) {
        why = "not connected";
        return false;
    }
    while (PQisBusy(conn_)) {
        if (!wait_socket(conn_, POLLIN, deadline, why)) return false;
        if (!PQconsumeInput(conn_)) {
            why = trimmed(PQerrorMessage(conn_));
            return false;
        }
    }
    return true;
}

PgResult PgConnection::collect(std::chrono::steady_clock::time_point deadline) {
    std::optional<PgResult> out;
    for (;;) {
        std::string why;
        if (!await(deadline, why)) return fail_connection(why);
        PGresult* r = PQgetResult(conn_);
        if (!r) break;
        PgResult pr = make_result(r);
        // The first failure wins; otherwise the last result (a script's last statement).
        if (!out || out->ok()) out = std::move(pr);
        if (!conn_) break;
    }
    if (!out) return fail_connection(conn_ ? "no result" : "closed");
    return std::move(*out);
}

PgResult PgConnection::exec(std::string_view sql, const PgParams& params) {
    if (!conn_) return fail_connection("not connected");
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    const std::string text(sql);
    if (!PQsendQueryParams(conn_, text.c_str(), params.count(), params.types(), params.values(), params.lengths(),
                           params.formats(), 1)) {
        return fail_connection(trimmed(PQerrorMessage(conn_)));
    }
    std::string why;
    if (!flush(deadline, why)) return fail_connection(why);
    return collect(deadline);
}

PgResult PgConnection::exec_script(std::string_view sql) {
    if (!conn_) return fail_connection("not connected");
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    const std::string text(sql);
    if (!PQsendQuery(conn_, text.c_str())) return fail_connection(trimmed(PQerrorMessage(conn_)));
    std::string why;
    if (!flush(deadline, why)) return fail_connection(why);
    return collect(deadline);
}

PgResult PgConnection::exec_prepared(const std::string& name, const PgParams& params) {
    if (!conn_) return fail_connection("not connected");
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    if (!PQsendQueryPrepared(conn_, name.c_str(), params.count(), params.values(), params.lengths(), params.formats(),
                             1)) {
        return fail_connection(trimmed(PQerrorMessage(conn_)));
    }
    std::string why;
    if (!flush(deadline, why)) return fail_connection(why);
    return collect(deadline);
}

bool PgConnection::send(const PgStatement& s) {
    const PgParams& p = s.params;
    if (s.prepared) {
        return PQsendQueryPrepared(conn_, s.name_or_sql.c_str(), p.count(), p.values(), p.lengths(), p.formats(), 1);
    }
    return PQsendQueryParams(conn_, s.name_or_sql.c_str(), p.count(), p.types(), p.values(), p.lengths(), p.formats(),
                             1);
}

std::vector<PgResult> PgConnection::pipeline(const std::vector<PgStatement>& statements) {
    std::vector<PgResult> out;
    auto fail_all = [&](std::string why) {
        PgResult first = fail_connection(std::move(why));
        while (out.size() < statements.size()) {
            out.emplace_back(nullptr, PgFailure::connection, first.error());
        }
        return std::move(out);
    };
    if (!conn_) return fail_all("not connected");
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    if (!PQenterPipelineMode(conn_)) return fail_all(trimmed(PQerrorMessage(conn_)));
    for (const PgStatement& s : statements) {
        if (!send(s)) return fail_all(trimmed(PQerrorMessage(conn_)));
    }
    if (!PQpipelineSync(conn_)) return fail_all(trimmed(PQerrorMessage(conn_)));
    std::string why;
    if (!flush(deadline, why)) return fail_all(why);
    for (std::size_t i = 0; i < statements.size(); ++i) {
        if (!await(deadline, why)) return fail_all(why);
        PGresult* r = PQgetResult(conn_);
        if (!r) return fail_all("a result is missing from the pipeline");
        out.push_back(make_result(r));
        if (!conn_) return fail_all(out.back().error());
        // Each statement's results end with a null result.
        if (!await(deadline, why)) return fail_all(why);
        while (PGresult* extra = PQgetResult(conn_)) {
            PQclear(extra);
            if (!await(deadline, why)) return fail_all(why);
        }
    }
    if (!await(deadline, why)) return fail_all(why);
    PGresult* sync = PQgetResult(conn_);
    const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced) return fail_all("the pipeline did not end with its sync");
    if (!PQexitPipelineMode(conn_)) return fail_all(trimmed(PQerrorMessage(conn_)));
    return out;
}

ot::Result<std::string> describe_conninfo(const std::string& conninfo) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        std::string e = err ? trimmed(err) : "out of memory";
        PQfreemem(err);
        return ot::Error{e};
    }
    std::string host, port, db, user;
    for (PQconninfoOption* o = opts; o->keyword; ++o) {
        if (!o->val) continue;
        const std::string k = o->keyword;
        if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
        else if (k == "port") port = o->val;
        else if (k == "dbname") db = o->val;
        else if (k == "user") user = o->val;
    }
    PQconninfoFree(opts);
    std::string out = "postgresql";
    out += " host=" + (host.empty() ? std::string("(default)") : host);
    out += " port=" + (port.empty() ? std::string("(default)") : port);
    out += " dbname=" + (db.empty() ? std::string("(default)") : db);
    out += " user=" + (user.empty() ? std::string("(default)") : user);
    return out;
}

}  // namespace kolabpad::server::storage
