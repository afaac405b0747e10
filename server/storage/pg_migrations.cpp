// The PostgreSQL schema's history: migration i brings a database from version i to i + 1. Never
// edit a step that has shipped; append a new one. docs/distributed.md describes the tables.
#include "storage/pg_migrations.hpp"

#include <string>

namespace kolabpad::server::storage {
namespace {

const char* const k_migrations[] = {
    // 0 -> 1: documents, the operation log and snapshots (as in SQLite; bytes that may hold a NUL,
    // which PostgreSQL's text refuses, are bytea), the per-document leases that fence writers, the
    // writers' commit markers (an interrupted COMMIT is resolved by reading them), and the
    // sequence that hands out blocks of user ids.
    R"sql(
CREATE TABLE documents (
    id text PRIMARY KEY,
    language text,
    otp text,
    next_user_id bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE TABLE operations (
    document text NOT NULL,
    revision bigint NOT NULL,
    operation text NOT NULL,
    client bytea,
    seq bigint,
    author bigint NOT NULL,
    time bigint NOT NULL,
    PRIMARY KEY (document, revision)
);
CREATE TABLE snapshots (
    document text NOT NULL,
    revision bigint NOT NULL,
    text bytea NOT NULL,
    time bigint NOT NULL,
    PRIMARY KEY (document, revision)
);
CREATE TABLE leases (
    document text PRIMARY KEY,
    owner text NOT NULL,
    epoch bigint NOT NULL CHECK (epoch > 0),
    expires_at timestamptz NOT NULL,
    successor text,
    acquired_at timestamptz NOT NULL
);
CREATE TABLE writer_commits (
    writer text PRIMARY KEY,
    batch bigint NOT NULL,
    at timestamptz NOT NULL
);
CREATE SEQUENCE user_id_blocks AS bigint MINVALUE 0 START WITH 0 INCREMENT BY 1000;
)sql",
    // 1 -> 2: the token of a document's read-only link (?view=), read alone like the OTP.
    R"sql(
ALTER TABLE documents ADD COLUMN view_token text;
)sql",
    // 2 -> 3: history (docs/history.md), as SQLite's migration 6: the whole log is kept; snapshots
    // are the keyframes, with their authorship (NULL: unknown authors); per operation the code points
    // it inserted and deleted (NULL for older rows: computed when read) and a restore's revision;
    // users as they were (ClientInfo records) and named versions.
    R"sql(
ALTER TABLE operations ADD COLUMN inserted bigint, ADD COLUMN deleted bigint, ADD COLUMN restore bigint;
ALTER TABLE snapshots ADD COLUMN attribution text;
CREATE TABLE user_infos (
    document text NOT NULL,
    user_id bigint NOT NULL,
    revision bigint NOT NULL,
    time bigint NOT NULL,
    name text NOT NULL,
    hue integer NOT NULL,
    PRIMARY KEY (document, user_id, revision)
);
CREATE TABLE versions (
    document text NOT NULL,
    revision bigint NOT NULL,
    name text NOT NULL,
    user_id bigint NOT NULL,
    time bigint NOT NULL,
    PRIMARY KEY (document, revision)
);
)sql",
};

constexpr int k_latest = static_cast<int>(sizeof k_migrations / sizeof k_migrations[0]);

// Held for the migrating transaction: "kolabpad" in ASCII.
constexpr std::int64_t k_migration_lock = 0x6b6f6c6162706164;

}  // namespace

int pg_latest_schema_version() { return k_latest; }

ot::Result<int> pg_migrate_to(PgConnection& db, int target) {
    auto fail = [&](const std::string& what, const PgResult& r) -> ot::Result<int> {
        db.exec("ROLLBACK");
        return ot::Error{what + ": " + r.error()};
    };
    if (auto r = db.exec("BEGIN"); !r.ok()) return fail("cannot begin migration", r);
    // The lock comes first: even CREATE TABLE IF NOT EXISTS races with itself.
    if (auto r = db.exec("SELECT pg_advisory_xact_lock($1)", PgParams().int8(k_migration_lock)); !r.ok()) {
        return fail("cannot take the migration lock", r);
    }
    if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"); !r.ok()) {
        return fail("cannot create schema_version", r);
    }
    auto current = db.exec("SELECT max(version) FROM schema_version");
    if (!current.ok()) return fail("cannot read schema_version", current);
    int version = current.is_null(0, 0) ? 0 : static_cast<int>(current.int8(0, 0));
    if (version > k_latest) {
        db.exec("ROLLBACK");
        return ot::Error{"database schema version " + std::to_string(version) + " is newer than this server (" +
                         std::to_string(k_latest) + ")"};
    }
    for (; version < target && version < k_latest; ++version) {
        if (auto r = db.exec_script(k_migrations[version]); !r.ok()) {
            return fail("migration to version " + std::to_string(version + 1) + " failed", r);
        }
    }
    if (auto r = db.exec("DELETE FROM schema_version"); !r.ok()) return fail("cannot write schema_version", r);
    if (auto r = db.exec("INSERT INTO schema_version VALUES ($1::bigint)", PgParams().int8(version)); !r.ok()) {
        return fail("cannot write schema_version", r);
    }
    if (auto r = db.exec("COMMIT"); !r.ok()) return fail("cannot commit migration", r);
    return version;
}

ot::Result<int> pg_migrate(PgConnection& db) { return pg_migrate_to(db, k_latest); }

}  // namespace kolabpad::server::storage
