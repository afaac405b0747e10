// The PostgreSQL and distributed-mode settings: DATABASE_URL, INSTANCE_ID, LEASE_SECONDS,
// DATABASE_RETRY_SECONDS, DATABASE_TIMEOUT_SECONDS, DATABASE_READ_CONNECTIONS.
#include <unistd.h>

#include <map>
#include <regex>

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

}  // namespace

TEST_CASE("database settings have documented defaults; without DATABASE_URL the storage is SQLite") {
    auto c = parse_config(env({}));
    REQUIRE(c.ok());
    CHECK(c->database_url.empty());
    CHECK(c->storage_label() == "data/kolabpad.db");
    CHECK(c->lease_seconds == 5.0);
    CHECK(c->database_retry_seconds == 30.0);
    CHECK(c->database_timeout_seconds == 10.0);
    CHECK(c->database_read_connections == 2);
    // hostname-pid, printable and bounded.
    CHECK(c->instance_id.size() <= max_instance_id_chars);
    CHECK(std::regex_match(c->instance_id, std::regex("[A-Za-z0-9._-]+-" + std::to_string(getpid()))));
}

TEST_CASE("DATABASE_URL selects PostgreSQL, SQLITE_URI is then ignored, and the label never shows the password") {
    auto c = parse_config(env({{"DATABASE_URL", "postgresql://app:s3cret@db.example:6543/pads?sslmode=disable"},
                               {"SQLITE_URI", "sqlite://"},  // invalid, but ignored
                               {"INSTANCE_ID", "web-1.eu_west"},
                               {"LEASE_SECONDS", "2.5"},
                               {"DATABASE_RETRY_SECONDS", "0"},
                               {"DATABASE_TIMEOUT_SECONDS", "0.5"},
                               {"DATABASE_READ_CONNECTIONS", "8"}}));
    INFO(c.error());
    REQUIRE(c.ok());
    CHECK(c->database_url == "postgresql://app:s3cret@db.example:6543/pads?sslmode=disable");
    CHECK(c->storage_label() == "postgresql host=db.example port=6543 dbname=pads user=app");
    CHECK(c->storage_label().find("s3cret") == std::string::npos);
    CHECK_FALSE(c->in_memory());
    CHECK(c->instance_id == "web-1.eu_west");
    CHECK(c->lease_seconds == 2.5);
    CHECK(c->database_retry_seconds == 0.0);
    CHECK(c->database_timeout_seconds == 0.5);
    CHECK(c->database_read_connections == 8);
    auto kv = parse_config(env({{"DATABASE_URL", "host=/run/pg dbname=k user=u password=hidden"}, {"SQLITE_URI", ":memory:"}}));
    REQUIRE(kv.ok());
    CHECK(kv->storage_label() == "postgresql host=/run/pg port=(default) dbname=k user=u");
    CHECK_FALSE(kv->in_memory());
}

TEST_CASE("database settings reject each bad value naming the variable, never echoing a password") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"DATABASE_URL", "mysql://root@localhost/db"},
        {"DATABASE_URL", "just-a-name"},
        {"DATABASE_URL", "postgresql://u:pa%zzss@host/db"},
        {"DATABASE_URL", "host=db password=hunter2 nonsense"},
        {"DATABASE_URL", "host=db bogus_key=1"},
        {"INSTANCE_ID", "has space"},
        {"INSTANCE_ID", "slash/no"},
        {"INSTANCE_ID", std::string(65, 'a')},
        {"INSTANCE_ID", "tab\there"},
        {"LEASE_SECONDS", "0"},
        {"LEASE_SECONDS", "0.05"},
        {"LEASE_SECONDS", "3601"},
        {"LEASE_SECONDS", "five"},
        {"DATABASE_RETRY_SECONDS", "-1"},
        {"DATABASE_RETRY_SECONDS", "86401"},
        {"DATABASE_TIMEOUT_SECONDS", "0"},
        {"DATABASE_TIMEOUT_SECONDS", "3601"},
        {"DATABASE_READ_CONNECTIONS", "0"},
        {"DATABASE_READ_CONNECTIONS", "65"},
        {"DATABASE_READ_CONNECTIONS", "two"},
    };
    for (const auto& [name, value] : bad) {
        INFO(name << "=" << value);
        auto c = parse_config(env({{name, value}}));
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().rfind(name + ":", 0) == 0);
        INFO(c.error());
        CHECK(c.error().find("hunter2") == std::string::npos);
        CHECK(c.error().find("pa%zzss") == std::string::npos);
    }
    CHECK(parse_config(env({{"INSTANCE_ID", std::string(64, 'a')}})).ok());
}
