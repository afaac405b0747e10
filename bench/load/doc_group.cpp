// Per-thread connection counts, and the cross-thread half of the edit-to-everyone bookkeeping.
#include "doc_group.hpp"

namespace kolabpad::load {

DocGroup::DocGroup(std::string id, int threads)
    : id_(std::move(id)), per_thread_(new std::atomic<std::uint32_t>[threads]), threads_(threads) {
    for (int t = 0; t < threads; ++t) per_thread_[t].store(0);
}

void DocGroup::add_connected(int thread, int delta) {
    if (delta > 0) per_thread_[thread].fetch_add(1, std::memory_order_relaxed);
    else per_thread_[thread].fetch_sub(1, std::memory_order_relaxed);
}

void DocGroup::on_sent(std::uint64_t user, std::uint64_t seq, int thread, Clock::time_point t) {
    std::uint32_t threads = 0;
    for (int u = 0; u < threads_; ++u) {
        const std::uint32_t n = connected_on(u);
        if (n > (u == thread ? 1u : 0u)) ++threads;
    }
    if (threads == 0) return;
    const auto k = key(user, seq);
    auto& s = shard(k);
    std::lock_guard lock(s.m);
    s.pending[k] = Pending{t, threads};
}

void DocGroup::on_thread_received(std::uint64_t user, std::uint64_t seq, Clock::time_point now, Counters& stats) {
    const auto k = key(user, seq);
    auto& s = shard(k);
    std::lock_guard lock(s.m);
    auto it = s.pending.find(k);
    if (it == s.pending.end()) return;
    if (--it->second.threads_remaining == 0) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - it->second.sent).count();
        stats.everyone_us.push_back(static_cast<std::uint32_t>(us));
        stats.everyone_sent.push_back(it->second.sent);
        s.pending.erase(it);
    }
}

std::size_t DocGroup::incomplete() const {
    std::size_t n = 0;
    for (const auto& s : shards_) n += s.pending.size();
    return n;
}

}  // namespace kolabpad::load
