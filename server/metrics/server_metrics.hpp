#pragma once
// ServerMetrics: the server's counters, per-code counters, message rate and latency histograms.
// Every member is safe to update from any thread; rendering reads a consistent-enough view.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "metrics/histogram.hpp"

namespace kolabpad::server::metrics {

// Counters keyed by a short label value (an error code, an eviction reason).
class LabeledCounter {
public:
    // Adds `n` to the counter of `label`.
    void add(std::string_view label, std::uint64_t n = 1);
    // A copy of every label's count.
    std::map<std::string, std::uint64_t> values() const;
    // Sum over all labels.
    std::uint64_t total() const;
    // Count of one label (0 if never counted).
    std::uint64_t get(std::string_view label) const;

private:
    mutable std::mutex mu_;
    std::map<std::string, std::uint64_t, std::less<>> counts_;
};

// Events per second over the last `window` whole seconds, from per-second buckets.
class RateMeter {
public:
    static constexpr int window = 10;
    // Counts one event at unix second `now_s`.
    void tick(std::int64_t now_s);
    // Events per second over the `window` seconds before `now_s` (the current second excluded).
    double rate(std::int64_t now_s) const;

private:
    static constexpr int slots = 16;
    struct Slot {
        std::atomic<std::int64_t> second{-1};
        std::atomic<std::uint64_t> count{0};
    };
    Slot slots_[slots];
};

// Every figure the server counts itself (gauges read from the registry and storage live elsewhere).
struct ServerMetrics {
    std::atomic<std::int64_t> connections{0};        // WebSocket sessions alive
    std::atomic<std::int64_t> send_queue_bytes{0};   // unsent bytes over all sessions
    std::atomic<std::int64_t> simulated_users{0};    // simulated users in documents
    std::atomic<std::uint64_t> messages{0};          // client messages received
    std::atomic<std::uint64_t> bytes_in{0};          // bytes of client messages
    std::atomic<std::uint64_t> bytes_out{0};         // bytes of frames written to clients
    std::atomic<std::uint64_t> frames_out{0};        // frames written to clients
    std::atomic<std::uint64_t> frame_writes{0};      // gather writes that carried them (one writev each)
    std::atomic<std::uint64_t> edits{0};             // edits applied
    std::atomic<std::uint64_t> history_frames{0};    // History frames written
    std::atomic<std::uint64_t> history_merged{0};    // History frames saved by merging a backlog
    std::atomic<std::uint64_t> resumes{0};           // connections that asked for ?revision= (reconnects)
    std::atomic<std::uint64_t> slow_closed{0};       // connections closed for their send queue
    std::atomic<std::uint64_t> backpressure_pauses{0};  // reads paused because storage was behind
    LabeledCounter rejected;   // Rejected answers, by code
    LabeledCounter errors;     // connections closed with an Error, by code
    LabeledCounter evictions;  // documents evicted, by reason (idle, memory, admin)
    LabeledCounter auth_failures;  // requests and upgrades refused access, by reason (net/access.hpp)
    RateMeter message_rate;    // client messages per second
    Histogram message_latency;  // handling one client message
    Histogram edit_ack_latency;  // an edit sequenced -> its History entry (the ack) queued to every peer
    Histogram fanout_latency;    // a frame queued on a connection -> written to its socket

    // Counts one client message of `bytes` bytes received at unix second `now_s`.
    void message_received(std::size_t bytes, std::int64_t now_s);
    // Appends every figure above in Prometheus text format.
    void append_prometheus(std::string& out) const;
};

// Appends one `# HELP`/`# TYPE` header and an unlabeled sample.
void append_sample(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   double value);

// Unix time in seconds.
std::int64_t unix_seconds();

}  // namespace kolabpad::server::metrics
