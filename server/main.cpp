// kolabpad-server: reads the configuration from the environment, opens storage and serves.
#include <cstdio>

#include "config/config.hpp"
#include "document/registry.hpp"
#include "log/log.hpp"
#include "net/server.hpp"
#include "simulate/simulator.hpp"
#include "storage/sqlite_storage.hpp"

int main() {
    using namespace kolabpad::server;
    auto config = parse_config(process_env);
    if (!config) {
        std::fprintf(stderr, "kolabpad-server: invalid configuration: %s\n", config.error().c_str());
        return 2;
    }
    const Config& c = config.value();
    log::configure(c.log_level, c.log_format);

    auto storage = storage::SqliteStorage::open(
        c.sqlite_path, storage::SqliteOptions{std::chrono::milliseconds(c.storage_commit_window_ms), c.sqlite_sync_full});
    if (!storage) {
        log::error("cannot open storage", {{"error", storage.error()}});
        return 1;
    }
    Telemetry telemetry(c.event_log_size);
    document::Registry registry(*storage.value(),
                                document::Limits{c.max_document_code_points, c.snapshot_interval_ops, c.log_retention_ops},
                                &telemetry, c.loader_threads);
    simulate::Simulator simulator(registry, telemetry,
                                  simulate::Limits{c.simulate_max_users, c.simulate_max_rate});
    const int code = net::run_server(c, registry, *storage.value(), telemetry, simulator);
    simulator.stop();
    storage.value()->close();
    return code;
}
