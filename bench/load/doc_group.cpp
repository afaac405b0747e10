// Who is who in one document, and the cross-thread half of the edit-to-everyone bookkeeping.
#include "doc_group.hpp"

namespace kolabpad::load {

DocGroup::DocGroup(std::string id, int threads)
    : id_(std::move(id)), per_thread_(new std::atomic<std::uint32_t>[threads]), threads_(threads) {
    for (int t = 0; t < threads; ++t) per_thread_[t].store(0);
}

int DocGroup::add_client(const std::string& client, int thread) {
    int i = size();
    names_.push_back(client);
    thread_.push_back(thread);
    connected_.push_back(0);
    index_.emplace(client, i);
    return i;
}

int DocGroup::index_of(const std::string& client) const {
    auto it = index_.find(client);
    return it == index_.end() ? -1 : it->second;
}

void DocGroup::set_connected(int index, bool connected) {
    if ((connected_[index] != 0) == connected) return;
    connected_[index] = connected ? 1 : 0;
    auto& n = per_thread_[thread_[index]];
    if (connected) n.fetch_add(1, std::memory_order_relaxed); else n.fetch_sub(1, std::memory_order_relaxed);
}

void DocGroup::on_sent(int sender, std::uint64_t seq, Clock::time_point t) {
    std::uint32_t threads = 0;
    for (int u = 0; u < threads_; ++u) {
        std::uint32_t others = connected_on(u) - (u == thread_[sender] && connected(sender) ? 1 : 0);
        if (others > 0) ++threads;
    }
    if (threads == 0) return;
    const auto k = key(sender, seq);
    auto& s = shard(k);
    std::lock_guard lock(s.m);
    s.pending[k] = Pending{t, threads};
}

void DocGroup::on_thread_received(int sender, std::uint64_t seq, Clock::time_point now, Counters& stats) {
    const auto k = key(sender, seq);
    auto& s = shard(k);
    std::lock_guard lock(s.m);
    auto it = s.pending.find(k);
    if (it == s.pending.end()) return;
    if (--it->second.threads_remaining == 0) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - it->second.sent).count();
        stats.everyone_us.push_back(static_cast<std::uint32_t>(us));
        s.pending.erase(it);
    }
}

std::size_t DocGroup::incomplete() const {
    std::size_t n = 0;
    for (const auto& s : shards_) n += s.pending.size();
    return n;
}

}  // namespace kolabpad::load
