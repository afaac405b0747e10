#include "simulate/simulator.hpp"

#include <atomic>
#include <random>

#include "document/peer.hpp"
#include "log/log.hpp"

namespace kolabpad::server::simulate {
namespace {

using Clock = std::chrono::steady_clock;

// Text the simulated users type, one code point per edit (an astral emoji included).
const std::vector<std::string> typed = {"s", "i", "m", " ", "t", "y", "p", "e", "s", " ", "🎉", "\n"};

}  // namespace

// A simulated user: a Peer that drops what it receives and remembers when it was closed.
struct Simulator::User final : document::Peer {
    void deliver(document::Frame) override { received.fetch_add(1, std::memory_order_relaxed); }
    void close(std::uint16_t, std::string_view) override { closed = true; }
    bool simulated() const override { return true; }

    std::shared_ptr<document::Document> doc;
    std::uint64_t id = 0;
    std::chrono::nanoseconds period{0};  // 0: never types
    Clock::time_point due;
    std::uint64_t seq = 0;
    std::string client;
    std::size_t next_char = 0;
    std::atomic<bool> closed{false};
    std::atomic<std::uint64_t> received{0};
};

Simulator::Simulator(document::Registry& registry, Telemetry& telemetry, Limits limits)
    : registry_(registry), telemetry_(telemetry), limits_(limits), thread_([this] { run(); }) {}

Simulator::~Simulator() { stop(); }

std::size_t Simulator::live_locked(const std::string& id) const {
    auto it = users_.find(id);
    if (it == users_.end()) return 0;
    std::size_t n = 0;
    for (const auto& u : it->second) n += u->closed ? 0 : 1;
    return n;
}

std::size_t Simulator::count(const std::string& id) const {
    std::lock_guard lock(mu_);
    return live_locked(id);
}

ot::Result<std::vector<std::uint64_t>> Simulator::add(const std::string& id, std::size_t count, double rate) {
    if (count == 0) return ot::Error{"bad_count"};
    if (!(rate >= 0) || rate > limits_.max_rate) return ot::Error{"rate_too_high"};
    {
        std::lock_guard lock(mu_);
        if (stopping_) return ot::Error{"storage_failure"};
        if (live_locked(id) + count > limits_.max_users_per_document) return ot::Error{"too_many_users"};
    }
    auto doc = registry_.get(id);
    if (!doc) return ot::Error{"storage_failure"};
    std::random_device rd;
    std::vector<std::shared_ptr<User>> added;
    for (std::size_t i = 0; i < count; ++i) {
        auto u = std::make_shared<User>();
        auto joined = doc.value()->join(u, std::nullopt);
        if (!joined) break;  // evicted or broken meanwhile
        u->doc = doc.value();
        u->id = joined.value();
        u->client = "sim-" + std::to_string(rd()) + std::to_string(rd());
        if (rate > 0) u->period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
        u->due = Clock::now() + u->period;
        u->doc->set_user_info(u->id, protocol::UserInfo{"Simulated user " + std::to_string(u->id),
                                                        static_cast<std::uint32_t>((u->id * 47) % 360)});
        u->doc->set_cursor(u->id, protocol::CursorData{{0}, {}});
        added.push_back(std::move(u));
    }
    if (added.empty()) return ot::Error{"storage_failure"};
    std::vector<std::uint64_t> ids;
    {
        std::lock_guard lock(mu_);
        auto& list = users_[id];
        const auto dropped = std::erase_if(list, [](const auto& u) { return u->closed.load(); });
        telemetry_.metrics.simulated_users -= static_cast<std::int64_t>(dropped);
        for (auto& u : added) {
            ids.push_back(u->id);
            list.push_back(u);
        }
    }
    cv_.notify_all();
    telemetry_.metrics.simulated_users += static_cast<std::int64_t>(ids.size());
    telemetry_.events.record("simulate_start", id, std::nullopt, std::to_string(ids.size()) + " users");
    log::info("simulated users added", {{"document", id}, {"count", std::to_string(ids.size())}});
    return ids;
}

std::size_t Simulator::remove(const std::string& id) {
    std::vector<std::shared_ptr<User>> gone;
    {
        std::lock_guard lock(mu_);
        auto it = users_.find(id);
        if (it == users_.end()) return 0;
        gone = std::move(it->second);
        users_.erase(it);
    }
    std::size_t n = 0;
    for (auto& u : gone) {
        if (!u->closed.exchange(true)) {
            u->doc->leave(u->id);
            ++n;
        }
    }
    telemetry_.metrics.simulated_users -= static_cast<std::int64_t>(gone.size());
    if (n) telemetry_.events.record("simulate_stop", id, std::nullopt, std::to_string(n) + " users");
    return n;
}

void Simulator::stop() {
    std::vector<std::string> ids;
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        for (const auto& [id, list] : users_) ids.push_back(id);
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    for (const auto& id : ids) remove(id);
}

void Simulator::run() {
    std::mt19937 rng(std::random_device{}());
    std::unique_lock lock(mu_);
    while (!stopping_) {
        const auto now = Clock::now();
        std::vector<std::shared_ptr<User>> due;
        auto next = now + std::chrono::seconds(3600);
        for (auto& [id, list] : users_) {
            for (auto& u : list) {
                if (u->closed || u->period.count() == 0) continue;
                if (u->due <= now) {
                    due.push_back(u);
                    // A user that fell behind skips the missed edits instead of bursting.
                    u->due = std::max(u->due + u->period, now);
                }
                next = std::min(next, u->due);
            }
        }
        if (!due.empty()) {
            // The documents are called without the simulator's lock; each takes its own.
            lock.unlock();
            for (auto& u : due) {
                if (u->closed) continue;
                auto [revision, length] = u->doc->head();
                const std::uint64_t pos = std::uniform_int_distribution<std::uint64_t>(0, length)(rng);
                const std::string& ch = typed[u->next_char++ % typed.size()];
                ot::Operation op;
                op.retain(pos).insert(ch).retain(length - pos);
                auto r = u->doc->edit(u->id, protocol::Edit{revision, std::move(op), u->client, ++u->seq});
                using document::EditStatus;
                if (r.status == EditStatus::applied) {
                    telemetry_.metrics.edits.fetch_add(1, std::memory_order_relaxed);
                    u->doc->set_cursor(u->id, protocol::CursorData{{pos + 1}, {}});
                } else if (r.status != EditStatus::rejected && r.status != EditStatus::duplicate) {
                    u->closed = true;  // evicted, broken or shut down: this user is gone
                }
            }
            lock.lock();
            continue;
        }
        cv_.wait_until(lock, next);
    }
}

}  // namespace kolabpad::server::simulate
