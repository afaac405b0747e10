#pragma once
// Telemetry: what the server records about itself (metrics and the recent event log), shared by the
// documents, the registry, the simulator and the network layer.

#include <cstddef>

#include "events/event_log.hpp"
#include "metrics/server_metrics.hpp"

namespace kolabpad::server {

// The server's metrics and event log.
struct Telemetry {
    // An event log keeping `event_capacity` events.
    explicit Telemetry(std::size_t event_capacity) : events(event_capacity) {}
    metrics::ServerMetrics metrics;
    events::EventLog events;
};

}  // namespace kolabpad::server
