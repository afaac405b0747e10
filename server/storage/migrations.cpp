// The schema's history: migration i brings a file from version i to i + 1. Never edit a step that
// has shipped; append a new one.
#include "storage/sqlite_db.hpp"

namespace kolabpad::server::storage {
namespace {

const char* const k_migrations[] = {
    // 0 -> 1: documents metadata, the operation log, text snapshots.
    R"sql(
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    language TEXT,
    otp TEXT,
    next_user_id INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE operations (
    document TEXT NOT NULL,
    revision INTEGER NOT NULL,
    operation TEXT NOT NULL,
    client TEXT,
    seq INTEGER,
    author INTEGER NOT NULL,
    time INTEGER NOT NULL,
    PRIMARY KEY (document, revision)
) WITHOUT ROWID;
CREATE TABLE snapshots (
    document TEXT NOT NULL,
    revision INTEGER NOT NULL,
    text TEXT NOT NULL,
    time INTEGER NOT NULL,
    PRIMARY KEY (document, revision)
) WITHOUT ROWID;
)sql",
    // 1 -> 2: find a client's edits quickly (de-duplication checks and audits).
    R"sql(
CREATE INDEX operations_by_client ON operations (document, client, seq) WHERE client IS NOT NULL;
)sql",
    // 2 -> 3: nothing reads that index (de-duplication is answered from the log in memory), and with
    // many authors each edit of a group commit dirtied another of its pages.
    R"sql(
DROP INDEX operations_by_client;
)sql",
};

constexpr int k_latest = static_cast<int>(sizeof k_migrations / sizeof k_migrations[0]);

ot::Result<int> current_version(Connection& db) {
    if (!db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")) {
        return ot::Error{"cannot create schema_version: " + db.last_error()};
    }
    Statement s = db.prepare("SELECT max(version) FROM schema_version");
    if (!s.valid() || s.step() != SQLITE_ROW) return ot::Error{"cannot read schema_version: " + db.last_error()};
    return s.is_null(0) ? 0 : static_cast<int>(s.int64(0));
}

}  // namespace

int latest_schema_version() { return k_latest; }

ot::Result<int> migrate_to(Connection& db, int target) {
    auto cur = current_version(db);
    if (!cur) return cur;
    int version = cur.value();
    if (version > k_latest) {
        return ot::Error{"database schema version " + std::to_string(version) + " is newer than this server (" +
                         std::to_string(k_latest) + ")"};
    }
    while (version < target && version < k_latest) {
        if (!db.exec("BEGIN IMMEDIATE")) return ot::Error{"cannot begin migration: " + db.last_error()};
        const std::string bump = "DELETE FROM schema_version; INSERT INTO schema_version VALUES (" +
                                 std::to_string(version + 1) + ");";
        if (!db.exec(k_migrations[version]) || !db.exec(bump.c_str())) {
            std::string e = db.last_error();
            db.exec("ROLLBACK");
            return ot::Error{"migration to version " + std::to_string(version + 1) + " failed: " + e};
        }
        if (!db.exec("COMMIT")) {
            std::string e = db.last_error();
            db.exec("ROLLBACK");
            return ot::Error{"cannot commit migration: " + e};
        }
        ++version;
    }
    return version;
}

ot::Result<int> migrate(Connection& db) { return migrate_to(db, k_latest); }

}  // namespace kolabpad::server::storage
