#pragma once
// EventLog: a bounded ring buffer of recent operational events (joins, leaves, protection changes,
// evictions, errors) for the admin API. Holds ids, codes and user names, never document text or tokens.

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kolabpad::server::events {

// One event.
struct Event {
    std::uint64_t seq = 0;       // 1, 2, 3... in the order recorded
    std::int64_t time_ms = 0;    // unix milliseconds
    std::string kind;            // "join", "leave", "protect", "unprotect", "evict", "error", ...
    std::string document;        // document id ("" for server-wide events)
    std::optional<std::uint64_t> user;
    std::string detail;          // a short code or reason
};

// Keeps the last `capacity` events; thread-safe.
class EventLog {
public:
    // A log that keeps at most `capacity` (>= 1) events.
    explicit EventLog(std::size_t capacity);
    // Appends an event, dropping the oldest when full.
    void record(std::string kind, std::string document, std::optional<std::uint64_t> user = {},
                std::string detail = {});
    // The newest `limit` events, oldest first.
    std::vector<Event> recent(std::size_t limit) const;
    // Events recorded since start (including dropped ones).
    std::uint64_t total() const;
    // The configured capacity.
    std::size_t capacity() const { return capacity_; }

private:
    const std::size_t capacity_;
    mutable std::mutex mu_;
    std::deque<Event> events_;
    std::uint64_t next_seq_ = 1;
};

// {"seq":..,"time_ms":..,"kind":..,"document":..,"user":..|null,"detail":..}
std::string to_json(const Event& e);

}  // namespace kolabpad::server::events
