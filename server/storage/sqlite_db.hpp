#pragma once
// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::storage {

// One prepared statement; reset and rebound for every use.
class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
    Statement& operator=(Statement&& o) noexcept;

    // True when the SQL compiled.
    bool valid() const { return stmt_ != nullptr; }
    // Resets the statement and clears its bindings.
    Statement& reset();
    // Binds parameter i (1-based); nullopt binds NULL.
    Statement& bind(int i, std::int64_t v);
    Statement& bind(int i, std::string_view v);
    Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const std::optional<std::string>& v);
    Statement& bind(int i, const std::optional<std::uint64_t>& v);
    // Advances: SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    // Column accessors for the current row.
    std::int64_t int64(int col) const;
    std::string text(int col) const;
    bool is_null(int col) const;
    std::optional<std::string> opt_text(int col) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
};

// One connection to a database file.
class Connection {
public:
    Connection() = default;
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Opens (creating if needed) `path`; ":memory:" is a private in-memory database.
    ot::Result<bool> open(const std::string& path);
    // Runs SQL without results; false and last_error() on failure.
    bool exec(const char* sql);
    // Compiles a statement on this connection.
    Statement prepare(std::string_view sql) { return Statement(db_, sql); }
    // The most recent error message of this connection.
    std::string last_error() const;
    // The raw handle.
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

// Brings the schema of `db` to the newest version (each step in its own transaction);
// returns the version it ended at, or an error (also when the file is newer than this server).
ot::Result<int> migrate(Connection& db);

// The newest schema version this server writes.
int latest_schema_version();

// Applies migrations up to `version` only; for tests that need an older file.
ot::Result<int> migrate_to(Connection& db, int version);

}  // namespace kolabpad::server::storage
