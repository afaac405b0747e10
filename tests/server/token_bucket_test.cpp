// The per-connection rate limit (net/token_bucket.hpp).
#include <catch2/catch.hpp>

#include "net/token_bucket.hpp"

using kolabpad::server::net::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("a connection may burst up to the bucket, then only at the refill rate", "[rate]") {
    const auto t0 = TokenBucket::Clock::time_point{} + 1h;
    TokenBucket bucket(100, 5, t0);
    for (int i = 0; i < 5; ++i) CHECK(bucket.take(t0));
    CHECK_FALSE(bucket.take(t0));
    CHECK_FALSE(bucket.take(t0 + 5ms));  // half a token so far
    CHECK(bucket.take(t0 + 10ms));       // one token refilled after 1/100 s
    CHECK_FALSE(bucket.take(t0 + 10ms));
}

TEST_CASE("an idle connection's bucket refills no further than its burst", "[rate]") {
    const auto t0 = TokenBucket::Clock::time_point{} + 1h;
    TokenBucket bucket(1000, 3, t0);
    for (int i = 0; i < 3; ++i) CHECK(bucket.take(t0));
    const auto later = t0 + 10s;  // would be 10,000 tokens without the cap
    for (int i = 0; i < 3; ++i) CHECK(bucket.take(later));
    CHECK_FALSE(bucket.take(later));
}
