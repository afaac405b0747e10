#include "net/connection_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace kolabpad::server::net {

DescriptorLimit raise_descriptor_limit() {
    DescriptorLimit d;
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return d;
    d.soft_before = d.soft = rl.rlim_cur;
    d.hard = rl.rlim_max;
    if (rl.rlim_cur >= rl.rlim_max) return d;
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    // An unlimited hard limit is refused above the kernel's nr_open; fall back to a large finite one.
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        raised.rlim_cur = std::max<rlim_t>(rl.rlim_cur, 1u << 20);
        if (raised.rlim_cur > rl.rlim_max || setrlimit(RLIMIT_NOFILE, &raised) != 0) return d;
    }
    d.soft = raised.rlim_cur;
    d.raised = d.soft != d.soft_before;
    return d;
}

std::uint64_t descriptor_reserve(std::uint64_t limit) {
    // A fifth of the budget, at least 32 and at most 1024: SQLite needs about ten, each network
    // thread three, and a static file one more per response being sent.
    return std::clamp<std::uint64_t>(limit / 5, 32, 1024);
}

std::uint64_t default_max_connections(std::uint64_t limit) {
    const std::uint64_t reserve = descriptor_reserve(limit);
    return limit > reserve ? limit - reserve : 1;
}

ConnectionLimit::Slot& ConnectionLimit::Slot::operator=(Slot&& o) noexcept {
    if (this != &o) {
        release();
        counter_ = o.counter_;
        o.counter_ = nullptr;
    }
    return *this;
}

void ConnectionLimit::Slot::release() {
    if (counter_) counter_->fetch_sub(1);
    counter_ = nullptr;
}

std::optional<ConnectionLimit::Slot> ConnectionLimit::try_open() {
    if (open_.load() >= max_) return std::nullopt;
    open_.fetch_add(1);
    return Slot(&open_);
}

std::optional<ConnectionLimit::Slot> ConnectionLimit::try_refuse() {
    refused_.fetch_add(1, std::memory_order_relaxed);
    if (refusing_.load() >= max_refusing) return std::nullopt;
    refusing_.fetch_add(1);
    return Slot(&refusing_);
}

}  // namespace kolabpad::server::net
