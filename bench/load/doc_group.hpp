#pragma once
// DocGroup: what the load clients of one document share across threads: who is who (client string ->
// index, fixed before the threads start), how many clients are connected on each thread, and the edits
// still on their way to everyone (sharded, so threads rarely meet on a lock).

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

// Shared state of one document's load clients; the methods marked thread-safe may be called from any
// load thread, the rest only before the threads start.
class DocGroup {
public:
    // A group for document `id` whose clients run on `threads` threads.
    DocGroup(std::string id, int threads);

    // The document id.
    const std::string& id() const { return id_; }
    // Registers a client by its `client` string, running on thread `thread`; returns its index.
    // Not thread-safe: only before the threads start.
    int add_client(const std::string& client, int thread);
    // The index of client string `client`, or -1 when it is none of ours (thread-safe: read-only).
    int index_of(const std::string& client) const;
    // Number of clients registered.
    int size() const { return static_cast<int>(names_.size()); }
    // The thread client `index` runs on.
    int thread_of(int index) const { return thread_[index]; }
    // Marks client `index` as connected or gone; call only on the client's own thread.
    void set_connected(int index, bool connected);
    // True when client `index` is connected; call only on the client's own thread.
    bool connected(int index) const { return connected_[index] != 0; }
    // Connected clients on thread `thread` (thread-safe).
    std::uint32_t connected_on(int thread) const { return per_thread_[thread].load(std::memory_order_relaxed); }

    // Client `sender` put edit `seq` on the wire at `t`: wait for every thread that has another
    // connected client (thread-safe).
    void on_sent(int sender, std::uint64_t seq, Clock::time_point t);
    // Every counted client of one thread received edit (`sender`, `seq`), the last at `now`; when it
    // is the last such thread, the edit-to-everyone latency goes into `stats` (thread-safe).
    void on_thread_received(int sender, std::uint64_t seq, Clock::time_point now, Counters& stats);
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
    static std::uint64_t key(int sender, std::uint64_t seq) {
        return (static_cast<std::uint64_t>(sender) << 40) | seq;
    }
    Shard& shard(std::uint64_t k) { return shards_[(k ^ (k >> 40)) % shards_.size()]; }

    std::string id_;
    std::vector<std::string> names_;
    std::vector<int> thread_;
    std::vector<char> connected_;  // char, not bool: each client's flag is its own memory location
    std::unique_ptr<std::atomic<std::uint32_t>[]> per_thread_;
    int threads_;
    std::unordered_map<std::string, int> index_;
    std::array<Shard, 16> shards_;
};

}  // namespace kolabpad::load
