#pragma once
// Watchdog: a timeout counted from the latest activity that costs no timer operation per activity.
// The timer is armed once; when it fires before `limit` of inactivity has passed, it re-arms for
// the rest, so a busy connection pays one timer event per `limit`, not two per frame.

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "net/beast.hpp"

namespace kolabpad::server::net {

// Calls `expired` once `limit` passes after the latest touch() while `active()` holds.
class Watchdog {
public:
    using Clock = std::chrono::steady_clock;

    // `active` and `expired` run on the timer's executor, only while the owner passed to arm() lives.
    Watchdog(const asio::any_io_executor& ex, Clock::duration limit, std::function<bool()> active,
             std::function<void()> expired)
        : timer_(ex), limit_(limit), active_(std::move(active)), expired_(std::move(expired)) {}

    // Records activity now.
    void touch() { last_ = Clock::now(); }
    // Starts waiting unless already waiting; `owner` is kept alive until the wait ends.
    void arm(std::shared_ptr<void> owner) {
        if (!armed_) wait(last_ + limit_, std::move(owner));
    }
    // Stops waiting.
    void cancel() { timer_.cancel(); }

private:
    void wait(Clock::time_point due, std::shared_ptr<void> owner) {
        armed_ = true;
        timer_.expires_at(due);
        timer_.async_wait([this, owner = std::move(owner)](beast::error_code ec) mutable {
            armed_ = false;
            if (ec || !active_()) return;
            const auto due = last_ + limit_;
            if (Clock::now() < due) return wait(due, std::move(owner));
            expired_();
        });
    }

    asio::steady_timer timer_;
    const Clock::duration limit_;
    std::function<bool()> active_;
    std::function<void()> expired_;
    Clock::time_point last_ = Clock::now();
    bool armed_ = false;
};

}  // namespace kolabpad::server::net
