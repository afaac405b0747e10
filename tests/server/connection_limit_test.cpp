// MAX_CONNECTIONS arithmetic and counting, and the security headers' values.
#include "helpers.hpp"
#include "net/connection_limit.hpp"
#include "net/security_headers.hpp"

using namespace kolabpad::server::net;

TEST_CASE("the default connection cap stays well below the descriptor limit") {
    CHECK(default_max_connections(1024) == 1024 - 204);
    CHECK(default_max_connections(20000) == 20000 - 1024);  // room for the 10,000-connection load test
    CHECK(default_max_connections(1048576) == 1048576 - 1024);
    CHECK(default_max_connections(64) == 32);
    CHECK(default_max_connections(10) == 1);
    for (std::uint64_t limit : {64u, 256u, 1024u, 4096u, 65536u}) {
        INFO(limit);
        CHECK(default_max_connections(limit) + descriptor_reserve(limit) == limit);
        CHECK(descriptor_reserve(limit) >= 32);
    }
}

TEST_CASE("the soft descriptor limit is raised to the hard one") {
    const DescriptorLimit d = raise_descriptor_limit();
    CHECK(d.soft == d.hard);
    CHECK(d.soft >= d.soft_before);
}

TEST_CASE("slots count open connections and refusals, and free them when dropped") {
    ConnectionLimit limit;
    limit.set_max(2);
    auto a = limit.try_open();
    auto b = limit.try_open();
    REQUIRE(a);
    REQUIRE(b);
    CHECK_FALSE(limit.try_open());
    CHECK(limit.open() == 2);
    {
        ConnectionLimit::Slot moved = std::move(*a);  // a WebSocket session takes over the HTTP slot
        CHECK(limit.open() == 2);
    }
    CHECK(limit.open() == 1);
    CHECK(limit.try_open());  // a temporary: freed again at once
    CHECK(limit.open() == 1);

    std::vector<ConnectionLimit::Slot> refusing;
    for (std::uint64_t i = 0; i < max_refusing; ++i) {
        auto r = limit.try_refuse();
        REQUIRE(r);
        refusing.push_back(std::move(*r));
    }
    CHECK_FALSE(limit.try_refuse());  // too many answers under way: this one is closed unanswered
    CHECK(limit.refusing() == max_refusing);
    CHECK(limit.refused_total() == max_refusing + 1);
    refusing.clear();
    CHECK(limit.refusing() == 0);
}

TEST_CASE("security headers: nosniff, no referrer, a CSP for the editor, frame-ancestors from the setting") {
    auto find = [](const auto& headers, std::string_view name) -> std::optional<std::string> {
        for (const auto& [n, v] : headers) {
            if (n == name) return v;
        }
        return std::nullopt;
    };
    configure_security_headers("'self'");
    auto h = security_headers("pad.example:3030");
    CHECK(find(h, "X-Content-Type-Options") == "nosniff");
    CHECK(find(h, "Referrer-Policy") == "no-referrer");
    CHECK(find(h, "X-Frame-Options") == "SAMEORIGIN");
    const std::string csp = find(h, "Content-Security-Policy").value();
    CHECK(csp.find("script-src 'self' 'wasm-unsafe-eval';") != std::string::npos);
    CHECK(csp.find("connect-src 'self' ws://pad.example:3030 wss://pad.example:3030 data:;") != std::string::npos);
    CHECK(csp.find("frame-ancestors 'self'") != std::string::npos);
    CHECK(csp.find("object-src 'none'") != std::string::npos);

    SECTION("a Host that could inject a source or a directive is not echoed") {
        for (std::string_view bad : {"evil.example; script-src *", "a b", "x:99999999", "[::1", "", "h\r\nX: y"}) {
            INFO(bad);
            CHECK(content_security_policy(bad).find("connect-src 'self' data:;") != std::string::npos);
        }
        CHECK(content_security_policy("[::1]:8080").find("ws://[::1]:8080") != std::string::npos);
    }
    SECTION("embedding: 'none' is DENY, a list of origins or * only in the CSP") {
        configure_security_headers("'none'");
        CHECK(find(security_headers("h"), "X-Frame-Options") == "DENY");
        configure_security_headers("https://app.example.com https://*.corp.example");
        auto list = security_headers("h");
        CHECK_FALSE(find(list, "X-Frame-Options"));
        CHECK(find(list, "Content-Security-Policy")->find("frame-ancestors https://app.example.com https://*.corp.example") !=
              std::string::npos);
        configure_security_headers("*");
        CHECK_FALSE(find(security_headers("h"), "X-Frame-Options"));
    }
    configure_security_headers("'self'");
}
