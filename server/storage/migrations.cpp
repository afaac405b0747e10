// The schema's history: migration i brings a file from version i to i + 1. Never edit a step that
// has shipped; append a new one.
#include <string>

#include "protocol/client_tag.hpp"
#include "storage/sqlite_db.hpp"

namespace kolabpad::server::storage {
namespace {

// SQL function client_tag(x): protocol::client_tag of a text, NULL for NULL.
void client_tag_sql(sqlite3_context* ctx, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const std::string tag = protocol::client_tag(std::string_view(text, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))));
    sqlite3_result_text(ctx, tag.data(), static_cast<int>(tag.size()), SQLITE_TRANSIENT);
}

// Makes client_tag() callable from the migrations' SQL on this connection.
bool register_functions(Connection& db) {
    return sqlite3_create_function_v2(db.handle(), "client_tag", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                      client_tag_sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

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
    // 3 -> 4: the client column holds the tag of the Edit's secret client id, never the id itself
    // (docs/protocol.md): files written before hold raw ids, which History showed to everyone.
    R"sql(
UPDATE operations SET client = client_tag(client) WHERE client IS NOT NULL;
)sql",
    // 4 -> 5: the token of a document's read-only link (?view=), read alone like the OTP.
    R"sql(
ALTER TABLE documents ADD COLUMN view_token TEXT;
)sql",
    // 5 -> 6: history (docs/history.md). The whole log is kept from now on; snapshots are the
    // keyframes and carry their authorship (NULL: stored before it was kept, read as unknown
    // authors); each operation its inserted/deleted code points (NULL for older rows: computed from
    // the operation when read) and, for a restore, the revision it brought back; who every user id
    // was (ClientInfo as it was set) and the named versions.
    R"sql(
ALTER TABLE operations ADD COLUMN inserted INTEGER;
ALTER TABLE operations ADD COLUMN deleted INTEGER;
ALTER TABLE operations ADD COLUMN restore INTEGER;
ALTER TABLE snapshots ADD COLUMN attribution TEXT;
CREATE TABLE user_infos (
    document TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    time INTEGER NOT NULL,
    name TEXT NOT NULL,
    hue INTEGER NOT NULL,
    PRIMARY KEY (document, user_id, revision)
) WITHOUT ROWID;
CREATE TABLE versions (
    document TEXT NOT NULL,
    revision INTEGER NOT NULL,
    name TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    PRIMARY KEY (document, revision)
) WITHOUT ROWID;
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
    if (version < target && !register_functions(db)) {
        return ot::Error{"cannot register the migrations' SQL functions: " + db.last_error()};
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
