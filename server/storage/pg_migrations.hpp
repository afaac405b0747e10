#pragma once
// The PostgreSQL schema and its migrations (the counterpart of migrations.cpp for SQLite).

#include "kolabpad/ot/result.hpp"
#include "storage/pg_connection.hpp"

namespace kolabpad::server::storage {

// Brings the schema reached through `db` (its search_path) to the newest version in one
// transaction that holds an advisory lock, so that instances starting at once apply each step
// exactly once; returns the version it ended at, or an error (also when the database was written
// by a newer server).
ot::Result<int> pg_migrate(PgConnection& db);

// Applies migrations up to `version` only; for tests that need an older schema.
ot::Result<int> pg_migrate_to(PgConnection& db, int version);

// The newest schema version this server writes.
int pg_latest_schema_version();

}  // namespace kolabpad::server::storage
