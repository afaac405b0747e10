#include "cluster/lease_manager.hpp"

#include "log/log.hpp"

namespace kolabpad::server::cluster {

LeaseManager::LeaseManager(std::unique_ptr<LeaseStore> renewals, std::unique_ptr<LeaseStore> calls, std::string instance,
                           std::chrono::milliseconds lease, std::chrono::milliseconds margin, OnLost on_lost)
    : renewals_(std::move(renewals)),
      calls_(std::move(calls)),
      instance_(std::move(instance)),
      lease_(lease),
      margin_(margin),
      on_lost_(std::move(on_lost)) {
    thread_ = std::thread([this] { run(); });
}

LeaseManager::~LeaseManager() { stop(); }

void LeaseManager::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

ot::Result<Acquired> LeaseManager::acquire(const std::string& document) {
    const auto started = Clock::now();
    auto r = calls_->acquire(document, instance_, lease_);
    if (!r) return r;
    if (const auto* l = std::get_if<Lease>(&r.value())) {
        std::lock_guard lock(mu_);
        held_[document] = Held{l->epoch, started};
        ++acquisitions_;
    }
    return r;
}

ot::Result<bool> LeaseManager::release(const std::string& document, std::uint64_t epoch,
                                       const std::optional<std::string>& successor) {
    forget(document, epoch);
    return calls_->release(document, instance_, epoch, successor, lease_);
}

void LeaseManager::forget(const std::string& document, std::uint64_t epoch) {
    std::lock_guard lock(mu_);
    auto it = held_.find(document);
    if (it != held_.end() && it->second.epoch == epoch) held_.erase(it);
}

void LeaseManager::lost(const std::string& document, std::uint64_t epoch) {
    std::lock_guard lock(mu_);
    auto it = held_.find(document);
    if (it != held_.end() && it->second.epoch == epoch) {
        held_.erase(it);
        ++losses_;
    }
}

bool LeaseManager::valid(const std::string& document, std::uint64_t epoch) const {
    std::lock_guard lock(mu_);
    auto it = held_.find(document);
    return it != held_.end() && it->second.epoch == epoch && Clock::now() - it->second.renewed_from < lease_ - margin_;
}

LeaseStats LeaseManager::stats() const {
    std::lock_guard lock(mu_);
    return LeaseStats{held_.size(), renewals_ok_, renewal_failures_, losses_, acquisitions_, last_renew_ms_, last_renew_ok_};
}

void LeaseManager::run() {
    const auto period = lease_ / 3;
    // The local expiry is checked far more often than renewals run, so a loss is reported promptly.
    const auto tick = std::max(std::chrono::milliseconds(10), std::min(std::chrono::milliseconds(100), lease_ / 20));
    auto next_renew = Clock::now() + period;
    std::unique_lock lock(mu_);
    while (!stopping_) {
        cv_.wait_for(lock, tick);
        if (stopping_) break;
        lock.unlock();
        if (Clock::now() >= next_renew) {
            next_renew = Clock::now() + period;
            renew_once();
        }
        report_expired();
        lock.lock();
    }
}

void LeaseManager::renew_once() {
    std::vector<std::pair<std::string, std::uint64_t>> held;
    {
        std::lock_guard lock(mu_);
        for (const auto& [d, h] : held_) held.emplace_back(d, h.epoch);
    }
    if (held.empty()) {
        std::lock_guard lock(mu_);
        last_renew_ok_ = true;
        return;
    }
    const auto started = Clock::now();
    auto r = renewals_->renew(instance_, held, lease_);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    std::vector<std::pair<std::string, std::uint64_t>> lost;
    {
        std::lock_guard lock(mu_);
        last_renew_ms_ = ms;
        last_renew_ok_ = r.ok();
        if (!r) {
            ++renewal_failures_;
        } else {
            ++renewals_ok_;
            std::map<std::string, std::uint64_t> renewed;
            for (const auto& l : r.value()) renewed[l.document] = l.epoch;
            for (const auto& [d, e] : held) {
                auto it = held_.find(d);
                if (it == held_.end() || it->second.epoch != e) continue;  // released meanwhile
                auto got = renewed.find(d);
                if (got != renewed.end() && got->second == e) {
                    it->second.renewed_from = started;
                } else {
                    lost.emplace_back(d, e);
                    held_.erase(it);
                    ++losses_;
                }
            }
        }
    }
    if (!r) log::warn("lease renewal failed", {{"error", r.error()}, {"leases", std::to_string(held.size())}});
    for (const auto& [d, e] : lost) {
        log::warn("lease lost: taken over or expired", {{"document", d}, {"epoch", std::to_string(e)}});
        if (on_lost_) on_lost_(d, e);
    }
}

void LeaseManager::report_expired() {
    std::vector<std::pair<std::string, std::uint64_t>> lost;
    {
        std::lock_guard lock(mu_);
        const auto now = Clock::now();
        for (auto it = held_.begin(); it != held_.end();) {
            if (now - it->second.renewed_from >= lease_ - margin_) {
                lost.emplace_back(it->first, it->second.epoch);
                it = held_.erase(it);
                ++losses_;
            } else {
                ++it;
            }
        }
    }
    for (const auto& [d, e] : lost) {
        log::warn("lease lost: no renewal in time", {{"document", d}, {"epoch", std::to_string(e)}});
        if (on_lost_) on_lost_(d, e);
    }
}

}  // namespace kolabpad::server::cluster
