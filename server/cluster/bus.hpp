#pragma once
// Bus: publish/subscribe between the instances of a cluster (Redis behind it: redis_bus.hpp).
// Delivery is at most once and in order per publisher connection; a subscriber that was
// disconnected misses what was published meanwhile and learns of it through on_reconnect.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace kolabpad::server::cluster {

// What the bus shows of itself (for /api/health and /api/metrics).
struct BusStats {
    bool healthy = false;          // both connections up and the latest ping answered in time
    double round_trip_ms = -1;     // the latest ping's round trip (-1: none yet)
    std::uint64_t published = 0;   // messages written to Redis
    std::uint64_t received = 0;    // messages received on subscribed channels
    std::uint64_t dropped = 0;     // messages dropped: queue over its bound, or in flight on a lost connection
    std::uint64_t reconnects = 0;  // connections re-established after a loss
    std::uint64_t queued = 0;      // messages waiting to be published
    std::uint64_t channels = 0;    // channels subscribed
};

// One instance's connection to the bus.
class Bus {
public:
    // Called with a message's payload, on the bus's own thread: keep it short (hand work off).
    using Handler = std::function<void(std::string_view payload)>;

    virtual ~Bus() = default;
    // Queues `payload` for `channel`; never blocks. Past the queue's bound the oldest queued
    // message is dropped (counted in BusStats::dropped).
    virtual void publish(std::string channel, std::string payload) = 0;
    // Delivers every later message of `channel` to `handler` (replacing an earlier handler);
    // `ready` runs (on the bus's thread) once the subscription is confirmed by Redis.
    virtual void subscribe(const std::string& channel, Handler handler, std::function<void()> ready = {}) = 0;
    // Stops delivering `channel`.
    virtual void unsubscribe(const std::string& channel) = 0;
    // Runs `f` (on the bus's thread) after every reconnection, once every channel is subscribed
    // again: messages may have been lost in between, in either direction.
    virtual void on_reconnect(std::function<void()> f) = 0;
    // Current figures.
    virtual BusStats stats() const = 0;
    // Blocks until every queued message was written or `timeout` passed; true when the queue is empty.
    virtual bool drain(std::chrono::milliseconds timeout) = 0;
};

}  // namespace kolabpad::server::cluster
