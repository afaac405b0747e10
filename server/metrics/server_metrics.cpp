#include "metrics/server_metrics.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace kolabpad::server::metrics {

void LabeledCounter::add(std::string_view label, std::uint64_t n) {
    std::lock_guard lock(mu_);
    auto it = counts_.find(label);
    if (it == counts_.end()) counts_.emplace(std::string(label), n);
    else it->second += n;
}

std::map<std::string, std::uint64_t> LabeledCounter::values() const {
    std::lock_guard lock(mu_);
    return {counts_.begin(), counts_.end()};
}

std::uint64_t LabeledCounter::total() const {
    std::lock_guard lock(mu_);
    std::uint64_t n = 0;
    for (const auto& [k, v] : counts_) n += v;
    return n;
}

std::uint64_t LabeledCounter::get(std::string_view label) const {
    std::lock_guard lock(mu_);
    auto it = counts_.find(label);
    return it == counts_.end() ? 0 : it->second;
}

void RateMeter::tick(std::int64_t now_s) {
    Slot& s = slots_[static_cast<std::size_t>(now_s % slots)];
    std::int64_t seen = s.second.load(std::memory_order_relaxed);
    // The first tick of a new second claims the slot and restarts its count (a tick racing the
    // claim may be lost: this is a rate estimate, not a counter).
    if (seen != now_s && s.second.compare_exchange_strong(seen, now_s)) s.count.store(0);
    s.count.fetch_add(1, std::memory_order_relaxed);
}

double RateMeter::rate(std::int64_t now_s) const {
    std::uint64_t n = 0;
    for (const Slot& s : slots_) {
        const std::int64_t sec = s.second.load(std::memory_order_relaxed);
        if (sec >= now_s - window && sec < now_s) n += s.count.load(std::memory_order_relaxed);
    }
    return static_cast<double>(n) / window;
}

void ServerMetrics::message_received(std::size_t bytes, std::int64_t now_s) {
    messages.fetch_add(1, std::memory_order_relaxed);
    bytes_in.fetch_add(bytes, std::memory_order_relaxed);
    message_rate.tick(now_s);
}

void append_sample(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   double value) {
    char buf[64];
    if (value == std::floor(value) && std::fabs(value) < 1e18) std::snprintf(buf, sizeof buf, "%.0f", value);
    else std::snprintf(buf, sizeof buf, "%.6f", value);
    out += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " + std::string(name) + " " +
           std::string(type) + "\n" + std::string(name) + " " + buf + "\n";
}

namespace {

void append_labeled(std::string& out, std::string_view name, std::string_view label, std::string_view help,
                    const LabeledCounter& c) {
    const std::string n(name);
    out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " counter\n";
    for (const auto& [k, v] : c.values()) {
        out += n + "{" + std::string(label) + "=\"" + k + "\"} " + std::to_string(v) + "\n";
    }
}

}  // namespace

void ServerMetrics::append_prometheus(std::string& out) const {
    auto u = [](const std::atomic<std::uint64_t>& a) { return static_cast<double>(a.load()); };
    append_sample(out, "kolabpad_connections", "gauge", "Open WebSocket connections.",
                  static_cast<double>(connections.load()));
    append_sample(out, "kolabpad_send_queue_bytes", "gauge", "Bytes queued for clients and not yet written.",
                  static_cast<double>(send_queue_bytes.load()));
    append_sample(out, "kolabpad_simulated_users", "gauge", "Simulated users in documents.",
                  static_cast<double>(simulated_users.load()));
    append_sample(out, "kolabpad_messages_total", "counter", "Client messages received.", u(messages));
    append_sample(out, "kolabpad_received_bytes_total", "counter", "Bytes of client messages.", u(bytes_in));
    append_sample(out, "kolabpad_sent_bytes_total", "counter", "Bytes of frames written to clients.", u(bytes_out));
    append_sample(out, "kolabpad_sent_frames_total", "counter", "Frames written to clients.", u(frames_out));
    append_sample(out, "kolabpad_edits_total", "counter", "Edits applied.", u(edits));
    append_sample(out, "kolabpad_frame_writes_total", "counter",
                  "Gather writes of frames to clients (each one writev of up to 32 frames).", u(frame_writes));
    append_sample(out, "kolabpad_history_frames_total", "counter", "History frames written to clients.",
                  u(history_frames));
    append_sample(out, "kolabpad_history_frames_merged_total", "counter",
                  "History frames saved by merging a slow connection's backlog.", u(history_merged));
    append_sample(out, "kolabpad_resumes_total", "counter", "Connections resuming with ?revision= (reconnects).",
                  u(resumes));
    append_sample(out, "kolabpad_slow_consumers_total", "counter",
                  "Connections closed for exceeding their send queue.", u(slow_closed));
    append_sample(out, "kolabpad_backpressure_pauses_total", "counter",
                  "Reads paused because storage had more than STORAGE_MAX_PENDING_WRITES queued.",
                  u(backpressure_pauses));
    append_sample(out, "kolabpad_rejected_total", "counter", "Edits answered with Rejected.",
                  static_cast<double>(rejected.total()));
    append_labeled(out, "kolabpad_rejected_by_code_total", "code", "Edits answered with Rejected, by code.", rejected);
    append_sample(out, "kolabpad_protocol_errors_total", "counter", "Connections closed with an Error frame.",
                  static_cast<double>(errors.total()));
    append_labeled(out, "kolabpad_errors_total", "code", "Connections closed with an Error frame, by code.", errors);
    append_labeled(out, "kolabpad_evictions_total", "reason", "Documents evicted from memory, by reason.", evictions);
    append_labeled(out, "kolabpad_auth_failures_total", "reason",
                   "Requests and upgrades refused access to a document (401/403), by reason.", auth_failures);
    message_latency.append_prometheus(out, "kolabpad_message_seconds", "Time to handle one client message.");
    edit_ack_latency.append_prometheus(out, "kolabpad_edit_ack_seconds",
                                       "From an edit being sequenced to its History entry queued to every connection.");
    fanout_latency.append_prometheus(out, "kolabpad_fanout_seconds",
                                     "From a frame queued on a connection to it being written to the socket.");
}

std::int64_t unix_seconds() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace kolabpad::server::metrics
