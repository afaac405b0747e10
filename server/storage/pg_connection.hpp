#pragma once
// Thin RAII wrappers over libpq: one connection with bounded waits, binary-format parameters and
// results, prepared statements re-prepared after every reconnect, and pipelines (several
// statements in one round trip, libpq pipeline mode).

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::storage {

// PostgreSQL type OIDs of the parameters we bind.
namespace pg_type {
inline constexpr Oid boolean = 16, bytea = 17, int8 = 20, int4 = 23, text = 25;
inline constexpr Oid bytea_array = 1001, text_array = 1009, int8_array = 1016;
}  // namespace pg_type

// Statement parameters, all sent in binary format (no quoting, no NUL termination: values are
// never interpolated into SQL).
class PgParams {
public:
    // A text value; PostgreSQL refuses a NUL byte in text, so untrusted bytes go in bytea.
    PgParams& text(std::string_view v);
    PgParams& text(const std::string& v) { return text(std::string_view(v)); }
    PgParams& text(const char* v) { return text(std::string_view(v)); }
    PgParams& text(const std::optional<std::string>& v);
    // Raw bytes (bytea).
    PgParams& bytes(std::string_view v);
    PgParams& bytes(const std::string& v) { return bytes(std::string_view(v)); }
    PgParams& bytes(const std::optional<std::string>& v);
    // A bigint.
    PgParams& int8(std::int64_t v);
    PgParams& int8(const std::optional<std::uint64_t>& v);
    PgParams& boolean(bool v);
    // One-dimensional arrays (text[], bytea[] and bigint[]), nullopt elements being NULL.
    PgParams& text_array(const std::vector<std::string>& v);
    PgParams& bytes_array(const std::vector<std::optional<std::string>>& v);
    PgParams& int8_array(const std::vector<std::optional<std::int64_t>>& v);

    // For libpq.
    int count() const { return static_cast<int>(types_.size()); }
    const Oid* types() const { return types_.data(); }
    const char* const* values() const;
    const int* lengths() const { return lengths_.data(); }
    const int* formats() const { return formats_.data(); }

private:
    PgParams& add(Oid type, std::optional<std::string> value);

    std::deque<std::string> data_;  // a deque: references stay valid while values are added
    std::vector<Oid> types_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
    std::vector<bool> null_;
    mutable std::vector<const char*> pointers_;
};

// Why a statement failed.
enum class PgFailure {
    none,
    connection,  // the connection broke, timed out or the server is shutting down: retry after reconnecting
    conflict,    // serialization failure or deadlock: retry the transaction as it is
    statement,   // the statement itself failed (constraint, syntax, ...): retrying does not help
};

// One result: rows in binary format, or a failure.
class PgResult {
public:
    PgResult() = default;
    PgResult(PGresult* r, PgFailure failure, std::string error);
    ~PgResult();
    PgResult(PgResult&& o) noexcept;
    PgResult& operator=(PgResult&& o) noexcept;
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;

    // True when the statement succeeded.
    bool ok() const { return failure_ == PgFailure::none; }
    PgFailure failure() const { return failure_; }
    // The server's or the connection's message (empty when ok).
    const std::string& error() const { return error_; }
    // Five-character SQLSTATE, empty when the failure was not reported by the server.
    std::string sqlstate() const;
    // Rows returned, and rows affected by INSERT/UPDATE/DELETE.
    int rows() const;
    std::uint64_t affected() const;
    // Column accessors (binary format): bigint/integer/smallint, boolean, text/bytea bytes.
    bool is_null(int row, int col) const;
    std::int64_t int8(int row, int col) const;
    bool boolean(int row, int col) const;
    std::string bytes(int row, int col) const;
    std::optional<std::string> opt_bytes(int row, int col) const;

private:
    PGresult* r_ = nullptr;
    PgFailure failure_ = PgFailure::none;
    std::string error_;
};

// One statement of a pipeline: a prepared statement's name, or SQL text when `prepared` is false.
struct PgStatement {
    std::string name_or_sql;
    PgParams params;
    bool prepared = true;
};

// One connection. Every wait (connecting, sending, reading) is bounded by the timeout given at
// open; a timeout counts as a lost connection. Not thread-safe.
class PgConnection {
public:
    PgConnection() = default;
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // Remembers a statement to prepare on every (re)connection.
    void define(std::string name, std::string sql, std::vector<Oid> types);
    // Connects (conninfo: key=value string or postgresql:// URI) and prepares every defined
    // statement; closes and returns the reason on failure.
    ot::Result<bool> open(const std::string& conninfo, const std::string& application_name,
                          std::chrono::milliseconds timeout);
    // True while connected and no failure showed the connection broken.
    bool is_open() const { return conn_ != nullptr; }
    // Drops the connection (open() connects again).
    void close();

    // Runs one statement (SQL text or a prepared one), results in binary format.
    PgResult exec(std::string_view sql, const PgParams& params = PgParams());
    // Runs several statements without parameters (a migration); the first failure, or the last result.
    PgResult exec_script(std::string_view sql);
    PgResult exec_prepared(const std::string& name, const PgParams& params);
    // Sends every statement, then one sync, and reads all results: one round trip. After the
    // first failure the rest come back failed too. A lost connection fails them all.
    std::vector<PgResult> pipeline(const std::vector<PgStatement>& statements);

private:
    PgResult fail_connection(std::string why);
    PgResult make_result(PGresult* r);
    bool flush(std::chrono::steady_clock::time_point deadline, std::string& why);
    bool await(std::chrono::steady_clock::time_point deadline, std::string& why);
    PgResult collect(std::chrono::steady_clock::time_point deadline);
    bool send(const PgStatement& s);

    struct Definition {
        std::string name;
        std::string sql;
        std::vector<Oid> types;
    };
    PGconn* conn_ = nullptr;
    std::chrono::milliseconds timeout_{10000};
    std::vector<Definition> definitions_;
};

// Classifies a server error by its SQLSTATE.
PgFailure classify_sqlstate(std::string_view sqlstate);

// The parts of a connection string that are safe to print (host, port, database, user; never
// the password), e.g. "postgresql host=db port=5432 dbname=kolabpad user=app"; an error when
// libpq cannot parse it.
ot::Result<std::string> describe_conninfo(const std::string& conninfo);

}  // namespace kolabpad::server::storage
