#pragma once
// Server: the network side of Kolabpad. Listens, serves HTTP and WebSockets on a thread pool,
// evicts idle documents on a timer and shuts down gracefully on SIGINT/SIGTERM.

#include "config/config.hpp"
#include "document/registry.hpp"
#include "metrics/telemetry.hpp"
#include "simulate/simulator.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::cluster {
class Cluster;
}

namespace kolabpad::server::net {

// Runs the server until SIGINT/SIGTERM (with `cluster`, in distributed mode: connections get its relays and a
// stop hands owned documents over); returns the process exit code (2 for an unusable HOST, 1 when it cannot listen).
int run_server(const Config& config, document::Registry& registry, storage::Storage& storage, Telemetry& telemetry,
               simulate::Simulator& simulator, cluster::Cluster* cluster = nullptr);

}  // namespace kolabpad::server::net
