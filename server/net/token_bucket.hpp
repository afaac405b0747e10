#pragma once
// TokenBucket: the per-connection rate limit (RATE_LIMIT_MESSAGES_PER_SECOND, RATE_LIMIT_BURST).

#include <algorithm>
#include <chrono>

namespace kolabpad::server::net {

// Refills `per_second` tokens a second up to `burst`; each message takes one. Starts full.
class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // A full bucket of `burst` tokens refilled at `per_second`.
    TokenBucket(double per_second, double burst, Clock::time_point now = Clock::now())
        : per_second_(per_second), burst_(burst), tokens_(burst), refilled_(now) {}

    // Takes one token at time `now`; false (and nothing taken) when the bucket holds less than one.
    bool take(Clock::time_point now = Clock::now()) {
        tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - refilled_).count() * per_second_);
        refilled_ = now;
        if (tokens_ < 1) return false;
        tokens_ -= 1;
        return true;
    }

private:
    double per_second_;
    double burst_;
    double tokens_;
    Clock::time_point refilled_;
};

}  // namespace kolabpad::server::net
