// Watchdog: expires once after `limit` without activity, never while touched in time, never when inactive.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>

#include "net/watchdog.hpp"

using namespace std::chrono_literals;
using kolabpad::server::net::Watchdog;
namespace asio = boost::asio;

TEST_CASE("a watchdog touched in time does not expire; left alone it expires once") {
    asio::io_context ioc;
    int expired = 0, ticks = 0;
    Watchdog w(ioc.get_executor(), 60ms, [] { return true; }, [&] {
        ++expired;
        CHECK(ticks == 15);  // not before the activity stopped
    });
    auto owner = std::make_shared<int>(0);
    w.touch();
    w.arm(owner);
    // Activity every 20 ms for 300 ms keeps it from expiring.
    asio::steady_timer ticker(ioc);
    std::function<void()> tick = [&] {
        ticker.expires_after(20ms);
        ticker.async_wait([&](boost::system::error_code) {
            w.touch();
            if (++ticks < 15) tick();
        });
    };
    tick();
    ioc.run_for(1s);
    CHECK(expired == 1);
    CHECK(ticks == 15);
}

TEST_CASE("an inactive watchdog does not expire") {
    asio::io_context ioc;
    int expired = 0;
    Watchdog w(ioc.get_executor(), 20ms, [] { return false; }, [&] { ++expired; });
    w.touch();
    w.arm(std::make_shared<int>(0));
    ioc.run_for(200ms);
    CHECK(expired == 0);
}
