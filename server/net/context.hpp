#pragma once
// Context: what every connection of the server shares (settings, documents, storage, telemetry,
// simulated users, the access policy). Free of Boost so that it can be included anywhere.

#include <atomic>
#include <cstdint>

#include "config/config.hpp"
#include "document/registry.hpp"
#include "metrics/telemetry.hpp"
#include "net/access.hpp"
#include "net/connection_limit.hpp"
#include "simulate/simulator.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::cluster {
class Cluster;
}

namespace kolabpad::server::net {

// Shared state of one running server.
struct Context {
    // Binds the shared parts.
    Context(const Config& c, document::Registry& r, storage::Storage& s, Telemetry& t, simulate::Simulator& sim)
        : config(c), registry(r), storage(s), telemetry(t), metrics(t.metrics), simulator(sim), access(c, r, &t) {}

    const Config& config;
    document::Registry& registry;
    storage::Storage& storage;
    Telemetry& telemetry;
    metrics::ServerMetrics& metrics;  // telemetry.metrics
    simulate::Simulator& simulator;
    const AccessPolicy access;               // who may open which document (every document route asks it)
    std::int64_t start_time = 0;             // unix seconds
    std::atomic<bool> shutting_down{false};  // set once SIGINT/SIGTERM arrived
    ConnectionLimit connection_limit;        // MAX_CONNECTIONS: every accepted socket holds a slot
    cluster::Cluster* cluster = nullptr;     // distributed mode (DATABASE_URL + REDIS_URL); null otherwise
};

}  // namespace kolabpad::server::net
