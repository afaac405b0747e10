#include <map>

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

TEST_CASE("config defaults match the documented values") {
    auto c = parse_config(env({}));
    REQUIRE(c.ok());
    CHECK(c->port == 3030);
    CHECK(c->host == "0.0.0.0");
    CHECK(c->sqlite_path == "data/kolabpad.db");
    CHECK(c->expiry_seconds == 7 * 86400.0);
    CHECK(c->cleanup_interval_seconds == 3600.0);
    CHECK(c->max_document_code_points == 262144);
    CHECK(c->max_message_bytes == 1024 * 1024);
    CHECK(c->ws_read_timeout_seconds == 1800.0);
    CHECK(c->ws_write_timeout_seconds == 10.0);
    CHECK(c->ws_heartbeat_seconds == 30.0);
    CHECK(c->ws_send_queue_limit_bytes == 8192u * 1024);
    CHECK(c->ws_flush_interval_ms == 0);
    CHECK(c->rate_limit_per_second == 1000.0);
    CHECK(c->rate_limit_burst == 2000.0);
    CHECK(c->snapshot_interval_ops == 500);
    CHECK(c->log_retention_ops == 10000);
    CHECK(c->shutdown_timeout_seconds == 10.0);
    CHECK(c->threads == 0);
    CHECK(c->static_dir == "frontend/dist");
    CHECK(c->log_level == LogLevel::info);
    CHECK(c->log_format == LogFormat::text);
}

TEST_CASE("config reads every variable, with decimals for durations") {
    auto c = parse_config(env({{"PORT", "0"},
                               {"HOST", "127.0.0.1"},
                               {"SQLITE_URI", "sqlite://x/y.db"},
                               {"EXPIRY_DAYS", "0.5"},
                               {"CLEANUP_INTERVAL_HOURS", ".25"},
                               {"MAX_DOCUMENT_SIZE_KB", "1"},
                               {"MAX_MESSAGE_SIZE_KB", "2"},
                               {"WS_READ_TIMEOUT_MINUTES", "0"},
                               {"WS_WRITE_TIMEOUT_SECONDS", "1.5"},
                               {"WS_HEARTBEAT_INTERVAL_SECONDS", "0.2"},
                               {"WS_SEND_QUEUE_LIMIT_KB", "64"},
                               {"WS_FLUSH_INTERVAL_MS", "5"},
                               {"RATE_LIMIT_MESSAGES_PER_SECOND", "10"},
                               {"RATE_LIMIT_BURST", "20"},
                               {"SNAPSHOT_INTERVAL_OPS", "3"},
                               {"LOG_RETENTION_OPS", "0"},
                               {"SHUTDOWN_TIMEOUT_SECONDS", "2"},
                               {"THREADS", "4"},
                               {"STATIC_DIR", "/srv/www"},
                               {"LOG_LEVEL", "debug"},
                               {"LOG_FORMAT", "json"}}));
    REQUIRE(c.ok());
    CHECK(c->port == 0);
    CHECK(c->sqlite_path == "x/y.db");
    CHECK(c->expiry_seconds == 43200.0);
    CHECK(c->cleanup_interval_seconds == 900.0);
    CHECK(c->max_document_code_points == 1024);
    CHECK(c->max_message_bytes == 2048);
    CHECK(c->ws_read_timeout_seconds == 0.0);
    CHECK(c->ws_write_timeout_seconds == 1.5);
    CHECK(c->ws_send_queue_limit_bytes == 65536);
    CHECK(c->ws_flush_interval_ms == 5);
    CHECK(c->snapshot_interval_ops == 3);
    CHECK(c->log_retention_ops == 0);
    CHECK(c->threads == 4);
    CHECK(c->static_dir == "/srv/www");
    CHECK(c->log_level == LogLevel::debug);
    CHECK(c->log_format == LogFormat::json);
}

TEST_CASE("config memory database is recognized") {
    auto c = parse_config(env({{"SQLITE_URI", ":memory:"}}));
    REQUIRE(c.ok());
    CHECK(c->in_memory());
}

TEST_CASE("config rejects each bad value naming its variable") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"PORT", "abc"},
        {"PORT", "65536"},
        {"PORT", "-1"},
        {"PORT", "80.5"},
        {"HOST", "not-an-ip"},
        {"EXPIRY_DAYS", "0"},
        {"EXPIRY_DAYS", "seven"},
        {"EXPIRY_DAYS", "1e3"},
        {"CLEANUP_INTERVAL_HOURS", "-1"},
        {"MAX_DOCUMENT_SIZE_KB", "0"},
        {"MAX_DOCUMENT_SIZE_KB", "1.5"},
        {"MAX_MESSAGE_SIZE_KB", "x"},
        {"WS_READ_TIMEOUT_MINUTES", "soon"},
        {"WS_WRITE_TIMEOUT_SECONDS", "0"},
        {"WS_HEARTBEAT_INTERVAL_SECONDS", "1..2"},
        {"WS_SEND_QUEUE_LIMIT_KB", "0"},
        {"WS_FLUSH_INTERVAL_MS", "1001"},
        {"WS_FLUSH_INTERVAL_MS", "-1"},
        {"WS_FLUSH_INTERVAL_MS", "2.5"},
        {"RATE_LIMIT_MESSAGES_PER_SECOND", "0"},
        {"RATE_LIMIT_BURST", "0.5"},
        {"SNAPSHOT_INTERVAL_OPS", "0"},
        {"LOG_RETENTION_OPS", "many"},
        {"SHUTDOWN_TIMEOUT_SECONDS", "0"},
        {"THREADS", "-2"},
        {"MAX_MEMORY_MB", "1GB"},
        {"LOG_LEVEL", "verbose"},
        {"LOG_FORMAT", "xml"},
        {"SQLITE_URI", "sqlite://"},
    };
    for (const auto& [name, value] : bad) {
        INFO(name << "=" << value);
        auto c = parse_config(env({{name, value}}));
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().rfind(name + ":", 0) == 0);
    }
}

TEST_CASE("config treats an empty value as unset") {
    auto c = parse_config(env({{"PORT", ""}, {"LOG_LEVEL", ""}}));
    REQUIRE(c.ok());
    CHECK(c->port == 3030);
}

TEST_CASE("operations settings have documented defaults and are parsed strictly") {
    auto d = parse_config(env({}));
    REQUIRE(d.ok());
    CHECK(d->max_memory_mb == 0);
    CHECK(d->memory_check_interval_seconds == 5.0);
    CHECK(d->storage_max_pending_writes == 50000);
    CHECK(d->event_log_size == 1000);
    CHECK(d->simulate_max_users == 20);
    CHECK(d->simulate_max_rate == 10.0);
    CHECK(d->admin_token.empty());
    auto c = parse_config(env({{"MAX_MEMORY_MB", "64"}, {"MEMORY_CHECK_INTERVAL_SECONDS", "0.5"},
                               {"STORAGE_MAX_PENDING_WRITES", "0"}, {"EVENT_LOG_SIZE", "7"},
                               {"SIMULATE_MAX_USERS", "3"}, {"SIMULATE_MAX_RATE", "2.5"}, {"ADMIN_TOKEN", "tok"}}));
    REQUIRE(c.ok());
    CHECK(c->max_memory_mb == 64);
    CHECK(c->memory_check_interval_seconds == 0.5);
    CHECK(c->storage_max_pending_writes == 0);
    CHECK(c->event_log_size == 7);
    CHECK(c->simulate_max_users == 3);
    CHECK(c->simulate_max_rate == 2.5);
    CHECK(c->admin_token == "tok");
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"MEMORY_CHECK_INTERVAL_SECONDS", "0"}, {"STORAGE_MAX_PENDING_WRITES", "-5"}, {"EVENT_LOG_SIZE", "0"},
             {"EVENT_LOG_SIZE", "1000001"}, {"SIMULATE_MAX_USERS", "many"}, {"SIMULATE_MAX_RATE", "0"}}) {
        auto bad = parse_config(env({{name, value}}));
        INFO(name << "=" << value);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().rfind(name + ": ", 0) == 0);
    }
}

TEST_CASE("the storage commit window and SQLite durability mode are read and bounded") {
    auto d = parse_config(env({}));
    REQUIRE(d.ok());
    CHECK(d->storage_commit_window_ms == 20);
    CHECK(d->sqlite_sync_full);
    auto c = parse_config(env({{"STORAGE_COMMIT_WINDOW_MS", "0"}, {"SQLITE_SYNCHRONOUS", "normal"}}));
    REQUIRE(c.ok());
    CHECK(c->storage_commit_window_ms == 0);
    CHECK_FALSE(c->sqlite_sync_full);
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"STORAGE_COMMIT_WINDOW_MS", "1001"}, {"STORAGE_COMMIT_WINDOW_MS", "-1"}, {"STORAGE_COMMIT_WINDOW_MS", "5ms"},
             {"SQLITE_SYNCHRONOUS", "off"}, {"SQLITE_SYNCHRONOUS", "FULL "}}) {
        auto bad = parse_config(env({{name, value}}));
        INFO(name << "=" << value);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().rfind(name + ": ", 0) == 0);
    }
}

TEST_CASE("connection cap, loader threads and frame ancestors are read and validated") {
    auto d = parse_config(env({}));
    REQUIRE(d.ok());
    CHECK(d->max_connections == 0);  // derived from the descriptor limit at start
    CHECK(d->loader_threads == 2);
    CHECK(d->frame_ancestors == "'self'");
    auto c = parse_config(env({{"MAX_CONNECTIONS", "500"}, {"LOADER_THREADS", "4"},
                               {"FRAME_ANCESTORS", " https://app.example.com   'self' http://localhost:8080 "}}));
    REQUIRE(c.ok());
    CHECK(c->max_connections == 500);
    CHECK(c->loader_threads == 4);
    CHECK(c->frame_ancestors == "https://app.example.com 'self' http://localhost:8080");
    for (const char* ok : {"*", "'none'", "https:", "https://*.example.com", "app.example.com:443/embed/"}) {
        INFO(ok);
        CHECK(parse_config(env({{"FRAME_ANCESTORS", ok}})).ok());
    }
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"MAX_CONNECTIONS", "-1"}, {"MAX_CONNECTIONS", "lots"}, {"MAX_CONNECTIONS", "16777217"},
             {"LOADER_THREADS", "0"}, {"LOADER_THREADS", "65"},
             {"FRAME_ANCESTORS", "'self'; script-src *"}, {"FRAME_ANCESTORS", "'none' 'self'"},
             {"FRAME_ANCESTORS", "'unsafe-inline'"}, {"FRAME_ANCESTORS", "https://a.example,https://b.example"},
             {"FRAME_ANCESTORS", "self"}, {"FRAME_ANCESTORS", "https://a.example\r\nX-Injected: 1"}}) {
        auto bad = parse_config(env({{name, value}}));
        INFO(name << "=" << value);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().rfind(name + ": ", 0) == 0);
    }
}
