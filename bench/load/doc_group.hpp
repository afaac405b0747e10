#pragma once
// DocGroup: what the load clients of one document share across threads: how many of them are
// connected on each thread, and the edits still on their way to everyone (sharded, so threads rarely
// meet on a lock). Edits are keyed by the author's user id (from Identity) and seq, never by the
// `client` echo, whose form is the server's business.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "stats.hpp"

namespace kolabpad::load {

using Clock = std::chrono::steady_clock;

// Shared state of one document's load clients; every method is thread-safe.
class DocGroup {
public:
    // A group for document `id` whose clients run on `threads` threads.
    DocGroup(std::string id, int threads);

    // The document id.
    const std::string& id() const { return id_; }
    // A client on thread `thread` connected (+1) or went away (-1).
    void add_connected(int thread, int delta);
    // Connected clients on thread `thread`.
    std::uint32_t connected_on(int thread) const { return per_thread_[thread].load(std::memory_order_relaxed); }

    // User `user` on thread `thread` put edit `seq` on the wire at `t`: wait for every thread that has
    // another connected client.
    void on_sent(std::uint64_t user, std::uint64_t seq, int thread, Clock::time_point t);
    // Every counted client of one thread received edit (`user`, `seq`), the last at `now`; when it is
    // the last such thread, the edit-to-everyone latency goes into `stats`.
    void on_thread_received(std::uint64_t user, std::uint64_t seq, Clock::time_point now, Counters& stats);
    // Edits some connected client never received (call when the threads are stopped).
    std::size_t incomplete() const;

private:
    struct Pending {
        Clock::time_point sent;
        std::uint32_t threads_remaining;
    };
    struct Shard {
        std::mutex m;
        std::unordered_map<std::uint64_t, Pending> pending;
    };
    static std::uint64_t key(std::uint64_t user, std::uint64_t seq) { return user << 40 ^ seq; }
    Shard& shard(std::uint64_t k) { return shards_[(k ^ (k >> 40)) % shards_.size()]; }

    std::string id_;
    std::unique_ptr<std::atomic<std::uint32_t>[]> per_thread_;
    int threads_;
    std::array<Shard, 16> shards_;
};

}  // namespace kolabpad::load
