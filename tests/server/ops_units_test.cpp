// The event ring, the memory policy and admin authentication.
#include <catch2/catch.hpp>

#include "admin/auth.hpp"
#include "events/event_log.hpp"
#include "memory/memory_policy.hpp"

using namespace kolabpad::server;

TEST_CASE("the event ring keeps the newest events, oldest first, and numbers all of them") {
    events::EventLog log(3);
    for (int i = 0; i < 5; ++i) log.record("join", "doc" + std::to_string(i), i);
    CHECK(log.total() == 5);
    auto all = log.recent(100);
    REQUIRE(all.size() == 3);
    CHECK(all[0].seq == 3);
    CHECK(all[0].document == "doc2");
    CHECK(all[2].seq == 5);
    auto last = log.recent(1);
    REQUIRE(last.size() == 1);
    CHECK(last[0].document == "doc4");
    CHECK(log.recent(0).empty());
    CHECK(events::EventLog(0).capacity() == 1);
}

TEST_CASE("events render as JSON with escaped strings and null users") {
    events::EventLog log(2);
    log.record("error", "d\"1", std::nullopt, "bad_message\n");
    const std::string j = events::to_json(log.recent(1)[0]);
    CHECK(j.find(R"("kind":"error","document":"d\"1","user":null,"detail":"bad_message\n")") != std::string::npos);
    CHECK(j.rfind(R"({"seq":1,"time_ms":)", 0) == 0);
}

TEST_CASE("the memory policy evicts idle documents least recently used first until under the limit") {
    using memory::Candidate;
    const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    auto at = [&](int s) { return t0 + std::chrono::seconds(s); };
    std::vector<Candidate> docs = {{"new", 100, true, at(30)}, {"hot", 500, false, at(0)}, {"old", 100, true, at(10)},
                                   {"mid", 100, true, at(20)}};
    CHECK(memory::choose_evictions(docs, 800).empty());  // exactly at the limit
    CHECK(memory::choose_evictions(docs, 750) == std::vector<std::string>{"old"});
    CHECK(memory::choose_evictions(docs, 650) == std::vector<std::string>{"old", "mid"});
    // Never a document with users, even when the limit cannot be met.
    CHECK(memory::choose_evictions(docs, 10) == std::vector<std::string>{"old", "mid", "new"});
    CHECK(memory::choose_evictions({}, 0).empty());
}

TEST_CASE("the process's resident memory is read from /proc/self/statm") {
    auto rss = memory::process_rss_bytes();
    REQUIRE(rss.has_value());
    CHECK(*rss > 1024 * 1024);
}

TEST_CASE("admin requests need exactly Bearer and the configured token") {
    using admin::authorized;
    const std::string token = "t0ken-Secret";
    CHECK(authorized(token, "Bearer t0ken-Secret"));
    CHECK(authorized(token, "bearer t0ken-Secret"));
    CHECK(authorized(token, "BEARER t0ken-Secret"));
    CHECK_FALSE(authorized(token, std::nullopt));
    CHECK_FALSE(authorized(token, ""));
    CHECK_FALSE(authorized(token, "Bearer "));
    CHECK_FALSE(authorized(token, "Bearer t0ken-secret"));
    CHECK_FALSE(authorized(token, "Bearer t0ken-Secre"));
    CHECK_FALSE(authorized(token, "Bearer t0ken-Secret "));
    CHECK_FALSE(authorized(token, "Basic t0ken-Secret"));
    CHECK_FALSE(authorized(token, "t0ken-Secret"));
    CHECK_FALSE(authorized("", "Bearer "));
    CHECK_FALSE(authorized("", std::nullopt));
}
