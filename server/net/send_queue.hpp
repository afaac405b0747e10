#pragma once
// The frames queued on one connection, and the merging of a History backlog: a connection that
// falls behind finds several History frames queued back to back, each continuing the log where the
// previous one ends, and sends them as one frame. Entries are copied, never serialized again.
// Free of Boost (part of the core library, unit-tested).

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "document/frame.hpp"

namespace kolabpad::server::net {

// One frame waiting to be written.
struct QueuedFrame {
    document::Frame frame;
    std::chrono::steady_clock::time_point queued;  // when it was queued (fan-out latency)
    std::uint64_t start = 0;                       // History only: first log entry it holds
    std::uint64_t count = 0;                       // History only: entries it holds; 0 for other frames
};

// If the front of `queue` is a History frame followed by History frames that continue it, replaces
// them by one merged frame (keeping the front's queue time). Frames of other kinds are never merged
// or reordered. Returns how many frames were merged away; adds the change in queued bytes to `bytes`.
std::size_t merge_history_front(std::deque<QueuedFrame>& queue, std::int64_t& bytes);
// Does the same for every run of continuing History frames anywhere in `queue` (what a gather write
// of the whole queue sends); returns how many frames were merged away.
std::size_t merge_history_runs(std::deque<QueuedFrame>& queue, std::int64_t& bytes);

// Frames handed to one connection from any thread, held until the connection's strand takes them:
// only the first frame into an empty inbox needs to wake the strand.
class Inbox {
public:
    // Adds `item`; returns true when the inbox was empty, i.e. the caller must schedule a take().
    bool push(QueuedFrame item, bool urgent) {
        std::lock_guard lock(mutex_);
        const bool was_empty = items_.empty();
        items_.push_back(std::move(item));
        urgent_ = urgent_ || urgent;
        return was_empty;
    }

    // Takes every held frame; `urgent` tells whether any of them was pushed as urgent.
    std::vector<QueuedFrame> take(bool& urgent) {
        std::lock_guard lock(mutex_);
        urgent = urgent_;
        urgent_ = false;
        return std::exchange(items_, {});
    }

private:
    std::mutex mutex_;
    std::vector<QueuedFrame> items_;
    bool urgent_ = false;
};

}  // namespace kolabpad::server::net
