#pragma once
// REDIS_URL: redis://[[user]:password@]host[:port][/db].

#include <cstdint>
#include <string>
#include <string_view>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::cluster {

// Where and how to reach Redis.
struct RedisAddress {
    std::string host;
    std::uint16_t port = 6379;
    std::string user;      // empty: AUTH with the password only
    std::string password;  // empty: no AUTH
    unsigned db = 0;       // pub/sub ignores it; kept for SELECT and for the label
    // "host:port/db" (never the password).
    std::string label() const;
};

// Parses a REDIS_URL value; the message says what is wrong (without the password).
ot::Result<RedisAddress> parse_redis_url(std::string_view url);

}  // namespace kolabpad::server::cluster
