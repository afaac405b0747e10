#include "cluster/redis_url.hpp"

#include <charconv>

namespace kolabpad::server::cluster {
namespace {

// %XX decoding of the user and password; false on a broken escape.
bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        unsigned v = 0;
        auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
        if (ec != std::errc() || p != in.data() + i + 3) return false;
        out += static_cast<char>(v);
        i += 2;
    }
    return true;
}

template <class T>
bool parse_number(std::string_view s, T& out, T max) {
    if (s.empty() || s.size() > 10) return false;
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
    out = static_cast<T>(v);
    return true;
}

}  // namespace

std::string RedisAddress::label() const { return host + ":" + std::to_string(port) + "/" + std::to_string(db); }

ot::Result<RedisAddress> parse_redis_url(std::string_view url) {
    constexpr std::string_view scheme = "redis://";
    if (url.substr(0, scheme.size()) != scheme) return ot::Error{"must start with redis://"};
    std::string_view rest = url.substr(scheme.size());
    RedisAddress a;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        std::string_view user = userinfo, password;
        if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
            user = userinfo.substr(0, colon);
            password = userinfo.substr(colon + 1);
        } else {
            return ot::Error{"the part before @ must be [user]:password"};
        }
        if (!percent_decode(user, a.user) || !percent_decode(password, a.password)) {
            return ot::Error{"bad %-escape in the user or password"};
        }
        if (a.password.empty()) return ot::Error{"the password after : is empty"};
    }
    std::string_view hostport = rest;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        hostport = rest.substr(0, slash);
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && !parse_number<unsigned>(db, a.db, 1u << 20)) return ot::Error{"the database after / must be a number"};
    }
    std::string_view host = hostport;
    if (!hostport.empty() && hostport.front() == '[') {
        auto close = hostport.find(']');
        if (close == std::string_view::npos) return ot::Error{"unclosed [ in the host"};
        host = hostport.substr(1, close - 1);
        std::string_view after = hostport.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':' || !parse_number<std::uint16_t>(after.substr(1), a.port, 65535) || a.port == 0) {
                return ot::Error{"the port must be a number from 1 to 65535"};
            }
        }
    } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        host = hostport.substr(0, colon);
        if (!parse_number<std::uint16_t>(hostport.substr(colon + 1), a.port, 65535) || a.port == 0) {
            return ot::Error{"the port must be a number from 1 to 65535"};
        }
    }
    if (host.empty()) return ot::Error{"the host is missing"};
    for (char c : host) {
        if (static_cast<unsigned char>(c) <= ' ' || c == '?' || c == '#') return ot::Error{"the host has a character that is not allowed"};
    }
    a.host = std::string(host);
    return a;
}

}  // namespace kolabpad::server::cluster
