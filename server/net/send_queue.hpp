#pragma once
// The frames queued on one connection, and the merging of a History backlog: a connection that
// falls behind finds several History frames queued back to back, each continuing the log where the
// previous one ends, and sends them as one frame. Entries are copied, never serialized again.
// Free of Boost (part of the core library, unit-tested).

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace kolabpad::server::net {

// One frame waiting to be written.
struct QueuedFrame {
    std::shared_ptr<const std::string> frame;
    std::chrono::steady_clock::time_point queued;  // when it was queued (fan-out latency)
    std::uint64_t start = 0;                       // History only: first log entry it holds
    std::uint64_t count = 0;                       // History only: entries it holds; 0 for other frames
};

// If the front of `queue` is a History frame followed by History frames that continue it, replaces
// them by one merged frame (keeping the front's queue time). Frames of other kinds are never merged
// or reordered. Returns how many frames were merged away; adds the change in queued bytes to `bytes`.
std::size_t merge_history_front(std::deque<QueuedFrame>& queue, std::int64_t& bytes);

}  // namespace kolabpad::server::net
