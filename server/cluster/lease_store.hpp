#pragma once
// LeaseStore: per-document ownership leases in PostgreSQL (table leases: document, owner instance,
// epoch, expires_at, successor). Expiry is judged by the database's clock (now()), never by an
// instance's. Every acquisition gives a new, larger epoch; PgStorage refuses a document's writes
// whose generation is not the epoch its lease row holds (docs/distributed.md, "Fencing").
// Synchronous, over its own connection; thread-safe (one call at a time).

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cluster/user_id_blocks.hpp"
#include "kolabpad/ot/result.hpp"
#include "storage/pg_connection.hpp"

namespace kolabpad::server::cluster {

// A lease this instance holds.
struct Lease {
    std::string document;
    std::uint64_t epoch = 0;
    std::int64_t expires_in_ms = 0;  // by the database's clock, when the call returned
};

// Someone else holds the lease.
struct HeldBy {
    std::string owner;
    std::uint64_t epoch = 0;
    std::int64_t expires_in_ms = 0;        // time left by the database's clock
    std::optional<std::string> successor;  // the instance it is handed to, if any
};

// What acquire() got: the lease, or who holds it.
using Acquired = std::variant<Lease, HeldBy>;

// A lease row as it stands.
struct LeaseInfo {
    std::string owner;
    std::uint64_t epoch = 0;
    std::int64_t expires_in_ms = 0;  // negative once expired
    bool expired = false;
    std::optional<std::string> successor;
};

// The lease table, over one connection of its own.
class LeaseStore {
public:
    // Connects (the schema must be migrated: PgStorage::open does it). `timeout` bounds connecting
    // and each round trip.
    static ot::Result<std::unique_ptr<LeaseStore>> open(const std::string& conninfo, const std::string& instance_id,
                                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Takes the lease of `document` for `ttl` when it is free, expired, already held by
    // `instance`, or handed over to `instance`; the epoch is then a new one, larger than every
    // earlier epoch of the document (so even a re-acquisition fences the holder's older writes).
    // Otherwise returns who holds it and for how long.
    ot::Result<Acquired> acquire(const std::string& document, const std::string& instance, std::chrono::milliseconds ttl);
    // Extends, in one statement, every listed (document, epoch) that `instance` still holds at that
    // epoch and that has not expired; returns those. A lease missing from the answer is lost.
    ot::Result<std::vector<Lease>> renew(const std::string& instance,
                                         const std::vector<std::pair<std::string, std::uint64_t>>& held,
                                         std::chrono::milliseconds ttl);
    // Gives the lease up (graceful hand-over); false when `instance` no longer held it at `epoch`.
    // Without a successor it expires now. With one, only that instance (or the releasing one) may
    // take it during `reserve`, after which anyone may.
    ot::Result<bool> release(const std::string& document, const std::string& instance, std::uint64_t epoch,
                             const std::optional<std::string>& successor = std::nullopt,
                             std::chrono::milliseconds reserve = std::chrono::milliseconds(0));
    // The lease row of `document`, or nullopt when it never had one.
    ot::Result<std::optional<LeaseInfo>> read(const std::string& document);
    // The lease rows of `documents` (one statement); documents without a row are absent.
    ot::Result<std::vector<std::pair<std::string, LeaseInfo>>> read_many(const std::vector<std::string>& documents);
    // Reserves a block of user ids unique across instances (cluster/user_id_blocks.hpp).
    ot::Result<UserIdBlock> reserve_user_ids();

private:
    LeaseStore() = default;
    // Runs one statement, connecting first when needed and once more when the connection turns
    // out broken (the server restarted since the last call). Caller holds mu_.
    storage::PgResult run(const std::string& sql, const storage::PgParams& params);

    std::mutex mu_;
    storage::PgConnection db_;
    std::string conninfo_;
    std::string application_;
    std::chrono::milliseconds timeout_{10000};
};

}  // namespace kolabpad::server::cluster
