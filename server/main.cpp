// kolabpad-server: reads the configuration from the environment, opens storage and serves.
#include <cstdio>

#include "cluster/cluster.hpp"
#include "config/config.hpp"
#include "document/registry.hpp"
#include "log/log.hpp"
#include "net/server.hpp"
#include "simulate/simulator.hpp"
#include "storage/pg_storage.hpp"
#include "storage/sqlite_storage.hpp"

namespace {

std::chrono::milliseconds to_ms(double seconds) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// PostgreSQL with DATABASE_URL (one instance: no leases, so its documents are unfenced; with
// REDIS_URL too, every write is fenced by its document's lease), else SQLite.
kolabpad::ot::Result<std::unique_ptr<kolabpad::server::storage::Storage>> open_storage(
    const kolabpad::server::Config& c) {
    using namespace kolabpad::server::storage;
    if (!c.database_url.empty()) {
        PgOptions o;
        o.instance_id = c.instance_id;
        o.timeout = to_ms(c.database_timeout_seconds);
        o.retry_for = to_ms(c.database_retry_seconds);
        o.readers = c.database_read_connections;
        o.require_lease = c.distributed();
        auto pg = PgStorage::open(c.database_url, o);
        if (!pg) return kolabpad::ot::Error{pg.error()};
        return std::unique_ptr<Storage>(std::move(pg).value());
    }
    auto sq = SqliteStorage::open(c.sqlite_path,
                                  SqliteOptions{std::chrono::milliseconds(c.storage_commit_window_ms), c.sqlite_sync_full});
    if (!sq) return kolabpad::ot::Error{sq.error()};
    return std::unique_ptr<Storage>(std::move(sq).value());
}

}  // namespace

int main() {
    using namespace kolabpad::server;
    auto config = parse_config(process_env);
    if (!config) {
        std::fprintf(stderr, "kolabpad-server: invalid configuration: %s\n", config.error().c_str());
        return 2;
    }
    const Config& c = config.value();
    log::configure(c.log_level, c.log_format);
    log::info("memory limit", {{"max_memory_mb", c.max_memory_mb ? std::to_string(c.max_memory_mb) : "off"},
                               {"source", c.max_memory_source}});

    auto storage = open_storage(c);
    if (!storage) {
        log::error("cannot open storage", {{"error", storage.error()}, {"storage", c.storage_label()}});
        return 1;
    }
    Telemetry telemetry(c.event_log_size);
    document::Registry registry(*storage.value(),
                                document::Limits{c.max_document_code_points, c.snapshot_interval_ops, c.log_retention_ops,
                                                 c.log_retention_bytes, c.edit_seq_max_gap, c.history},
                                &telemetry, c.loader_threads);
    simulate::Simulator simulator(registry, telemetry,
                                  simulate::Limits{c.simulate_max_users, c.simulate_max_rate});
    std::unique_ptr<cluster::Cluster> cluster;
    if (c.distributed()) {
        auto started = cluster::Cluster::start(c, static_cast<storage::PgStorage&>(*storage.value()), registry,
                                               document::Limits{c.max_document_code_points, c.snapshot_interval_ops,
                                                                c.log_retention_ops, c.log_retention_bytes, c.edit_seq_max_gap},
                                               &telemetry);
        if (!started) {
            log::error("cannot join the cluster", {{"error", started.error()}});
            storage.value()->close();
            return 1;
        }
        cluster = std::move(started).value();
    }
    const int code = net::run_server(c, registry, *storage.value(), telemetry, simulator, cluster.get());
    cluster.reset();
    simulator.stop();
    storage.value()->close();
    return code;
}
