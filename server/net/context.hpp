#pragma once
// Context: what every connection of the server shares (settings, documents, storage, counters).
// Free of Boost so that it can be included anywhere.

#include <atomic>
#include <cstdint>

#include "config/config.hpp"
#include "document/registry.hpp"
#include "metrics/histogram.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::net {

// Shared state of one running server.
struct Context {
    // Binds the shared parts; counters start at zero.
    Context(const Config& c, document::Registry& r, storage::Storage& s) : config(c), registry(r), storage(s) {}

    const Config& config;
    document::Registry& registry;
    storage::Storage& storage;
    std::int64_t start_time = 0;                // unix seconds
    std::atomic<bool> shutting_down{false};     // set once SIGINT/SIGTERM arrived
    std::atomic<std::int64_t> websockets{0};    // WebSocket sessions alive
    std::atomic<std::uint64_t> edits{0};        // edits applied
    std::atomic<std::uint64_t> protocol_errors{0};  // connections closed for a protocol error
    std::atomic<std::uint64_t> rejected{0};         // edits answered with Rejected
    std::atomic<std::uint64_t> messages{0};         // client messages received
    std::atomic<std::uint64_t> bytes_received{0};   // bytes of client messages
    std::atomic<std::uint64_t> slow_closed{0};      // connections closed for their send queue
    metrics::Histogram message_latency;             // time to handle one client message
};

}  // namespace kolabpad::server::net
