// The distributed-mode settings: REDIS_URL, REDIS_PUBLISH_QUEUE_LIMIT, RELAY_TIMEOUT_SECONDS;
// and the bus's wire format, which refuses anything truncated or oversized.
#include <map>

#include "cluster/redis_url.hpp"
#include "cluster/wire.hpp"
#include "config/config.hpp"
#include "helpers.hpp"

using namespace kolabpad::server;

namespace {

EnvLookup env(std::map<std::string, std::string> vars) {
    return [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

const char* const pg = "postgresql://u@db/x";

}  // namespace

TEST_CASE("cluster settings: defaults, and distributed mode needs both DATABASE_URL and REDIS_URL") {
    auto c = parse_config(env({}));
    REQUIRE(c.ok());
    CHECK(c->redis_url.empty());
    CHECK_FALSE(c->distributed());
    CHECK(c->redis_publish_queue_limit == 100000);
    CHECK(c->relay_timeout_seconds == 2.0);
    auto only_pg = parse_config(env({{"DATABASE_URL", pg}}));
    REQUIRE(only_pg.ok());
    CHECK_FALSE(only_pg->distributed());
    auto both = parse_config(env({{"DATABASE_URL", pg}, {"REDIS_URL", "redis://:pw@cache.example:6380/2"}}));
    REQUIRE(both.ok());
    CHECK(both->distributed());
    CHECK(both->redis_label == "cache.example:6380/2");
    auto only_redis = parse_config(env({{"REDIS_URL", "redis://cache"}}));
    REQUIRE_FALSE(only_redis.ok());
    CHECK(only_redis.error().rfind("REDIS_URL: distributed mode needs DATABASE_URL", 0) == 0);
}

TEST_CASE("cluster settings: a bad REDIS_URL stops the server naming the variable, never showing the password") {
    for (const char* bad : {"http://cache", "redis://", "redis://:@cache", "redis://cache:0", "redis://cache:65536",
                            "redis://cache:x", "redis://cache/db", "redis://pw@cache", "redis://[::1", "redis://ca che",
                            "redis://:%zzsecret@cache"}) {
        auto c = parse_config(env({{"DATABASE_URL", pg}, {"REDIS_URL", bad}}));
        INFO(bad);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().rfind("REDIS_URL: ", 0) == 0);
        CHECK(c.error().find("secret") == std::string::npos);
    }
    auto a = cluster::parse_redis_url("redis://user:p%40ss@[::1]:7000");
    REQUIRE(a.ok());
    CHECK(a->host == "::1");
    CHECK(a->port == 7000);
    CHECK(a->user == "user");
    CHECK(a->password == "p@ss");
    CHECK(cluster::parse_redis_url("redis://cache")->port == 6379);
}

TEST_CASE("cluster settings: REDIS_PUBLISH_QUEUE_LIMIT and RELAY_TIMEOUT_SECONDS are bounded") {
    CHECK(parse_config(env({{"REDIS_PUBLISH_QUEUE_LIMIT", "5"}}))->redis_publish_queue_limit == 5);
    CHECK(parse_config(env({{"RELAY_TIMEOUT_SECONDS", "0.5"}}))->relay_timeout_seconds == 0.5);
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"REDIS_PUBLISH_QUEUE_LIMIT", "0"}, {"REDIS_PUBLISH_QUEUE_LIMIT", "x"}, {"REDIS_PUBLISH_QUEUE_LIMIT", "100000001"},
             {"RELAY_TIMEOUT_SECONDS", "0"}, {"RELAY_TIMEOUT_SECONDS", "0.01"}, {"RELAY_TIMEOUT_SECONDS", "4000"}}) {
        auto c = parse_config(env({{name, value}}));
        INFO(name << "=" << value);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().rfind(name + ": ", 0) == 0);
    }
}

TEST_CASE("wire: every field survives encoding; a truncated, oversized or trailing message is refused whole") {
    cluster::WireMessage m;
    m.type = cluster::WireType::frames;
    m.doc = "doc\x00x";
    m.epoch = 1ull << 60;
    m.instance = "i1";
    m.user = 12345;
    m.join_id = 7;
    m.resume = 0;
    m.text = std::string("\x00\xff{}", 4);
    m.seq = 99;
    m.code = "duplicate";
    m.close_code = 1011;
    m.successor = "i2";
    m.sent_ms = 1700000000000;
    m.read_only = true;
    m.via = "view_link";
    m.items.push_back(cluster::WireItem{cluster::ItemKind::history, {1, 2, 3}, "{\"History\":{}}", 10, 2, 0, 0});
    m.items.push_back(cluster::WireItem{cluster::ItemKind::join_reply, {4}, "", 0, 0, 0, 77});
    const std::string bytes = cluster::encode(m);
    auto d = cluster::decode(bytes);
    REQUIRE(d.ok());
    CHECK(d->doc == m.doc);
    CHECK(d->epoch == m.epoch);
    CHECK(d->resume == std::optional<std::uint64_t>(0));
    CHECK(d->text == m.text);
    CHECK(d->sent_ms == m.sent_ms);
    CHECK(d->read_only);
    CHECK(d->via == "view_link");
    REQUIRE(d->items.size() == 2);
    CHECK(d->items[0].users == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(d->items[0].start == 10);
    CHECK(d->items[1].join_id == 77);
    for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_FALSE(cluster::decode(bytes.substr(0, n)).ok());
    CHECK_FALSE(cluster::decode(bytes + "x").ok());
    std::string huge = bytes;
    huge[2] = '\xff';  // the doc's length claims more than the message holds
    CHECK_FALSE(cluster::decode(huge).ok());
    CHECK_FALSE(cluster::decode(std::string(1, '\x09')).ok());
}
