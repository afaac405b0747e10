#include <fstream>
#include <map>

#include "config/config.hpp"
#include "helpers.hpp"
#include "test_keys.hpp"

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
        {"LOG_RETENTION_MB", "0"},
        {"LOG_RETENTION_MB", "4097"},
        {"LOG_RETENTION_MB", "1.5"},
        {"EDIT_SEQ_MAX_GAP", "0"},
        {"EDIT_SEQ_MAX_GAP", "-1"},
        {"EDIT_SEQ_MAX_GAP", "lots"},
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
    auto d = parse_config(env({}), MachineMemory{});
    REQUIRE(d.ok());
    CHECK(d->max_memory_mb == 0);  // nothing known about the machine: off
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
    CHECK(d->storage_commit_window_ms == 1);
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

namespace {

// Writes `content` to a file in `dir` and returns its path.
std::string write_file(const kolabpad::server::testing::TempDir& dir, const std::string& name, const std::string& content) {
    const std::string path = dir.file(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

// The error of parsing `vars`, or "ok".
std::string config_error(std::map<std::string, std::string> vars) {
    auto c = parse_config(env(std::move(vars)));
    return c ? std::string("ok") : c.error();
}

}  // namespace

TEST_CASE("token settings default to open mode, no keys, any origin") {
    auto c = parse_config(env({}));
    REQUIRE(c.ok());
    CHECK(c->auth_mode == auth::AuthMode::open);
    CHECK_FALSE(c->tokens.verify_key);
    CHECK_FALSE(c->tokens.signing_key);
    CHECK(c->tokens.issuer.empty());
    CHECK(c->tokens.audience.empty());
    CHECK(c->tokens.clock_skew_seconds == 30);
    CHECK(c->tokens.max_token_bytes == 8192);
    CHECK(c->tokens.max_mint_lifetime_seconds == 30 * 86400);
    CHECK(c->cors_origins.any());
}

TEST_CASE("token mode with a secret, from the variable or a file, verifies and mints HS256") {
    kolabpad::server::testing::TempDir dir;
    auto direct = parse_config(env({{"AUTH_MODE", "token"}, {"JWT_SECRET", testing::test_secret},
                                    {"JWT_ISSUER", "lms"}, {"JWT_AUDIENCE", "kolabpad"},
                                    {"JWT_CLOCK_SKEW_SECONDS", "5"}, {"JWT_MAX_TOKEN_BYTES", "4096"},
                                    {"JWT_MAX_MINT_LIFETIME_SECONDS", "60"}}));
    REQUIRE(direct.ok());
    CHECK(direct->auth_mode == auth::AuthMode::token);
    CHECK(direct->tokens.verify_key->algorithm() == auth::Algorithm::hs256);
    CHECK(direct->tokens.signing_key->matches(*direct->tokens.verify_key));
    CHECK(direct->tokens.issuer == "lms");
    CHECK(direct->tokens.audience == "kolabpad");
    CHECK(direct->tokens.clock_skew_seconds == 5);
    CHECK(direct->tokens.max_token_bytes == 4096);
    CHECK(direct->tokens.max_mint_lifetime_seconds == 60);

    // A trailing newline in the file (echo, secret stores) is not part of the secret.
    const auto file = write_file(dir, "secret", testing::test_secret + "\n");
    auto from_file = parse_config(env({{"AUTH_MODE", "mixed"}, {"JWT_SECRET_FILE", file}, {"AUTH_TOKEN_DOCUMENTS", "a"}}));
    REQUIRE(from_file.ok());
    CHECK(from_file->auth_mode == auth::AuthMode::mixed);
    CHECK(from_file->tokens.signing_key->matches(*auth::VerifyKey::from_secret(testing::test_secret)));
}

TEST_CASE("a public key file fixes RS256 or ES256, a private key file adds minting") {
    kolabpad::server::testing::TempDir dir;
    const auto rsa_pub = write_file(dir, "rsa.pub", testing::rsa_pair().public_pem);
    const auto rsa_priv = write_file(dir, "rsa.key", testing::rsa_pair().private_pem);
    const auto ec_pub = write_file(dir, "ec.pub", testing::ec_pair().public_pem);

    auto rs = parse_config(env({{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", rsa_pub}}));
    REQUIRE(rs.ok());
    CHECK(rs->tokens.verify_key->algorithm() == auth::Algorithm::rs256);
    CHECK_FALSE(rs->tokens.signing_key);
    auto es = parse_config(env({{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", ec_pub}}));
    REQUIRE(es.ok());
    CHECK(es->tokens.verify_key->algorithm() == auth::Algorithm::es256);

    auto both = parse_config(env({{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", rsa_pub}, {"JWT_PRIVATE_KEY_FILE", rsa_priv}}));
    REQUIRE(both.ok());
    CHECK(both->tokens.signing_key->matches(*both->tokens.verify_key));
    auto private_only = parse_config(env({{"AUTH_MODE", "token"}, {"JWT_PRIVATE_KEY_FILE", rsa_priv}}));
    REQUIRE(private_only.ok());
    CHECK(private_only->tokens.verify_key->algorithm() == auth::Algorithm::rs256);
    CHECK(private_only->tokens.signing_key->matches(*auth::VerifyKey::from_public_pem(testing::rsa_pair().public_pem)));
}

TEST_CASE("a bad token configuration stops the server naming the variable") {
    kolabpad::server::testing::TempDir dir;
    const auto rsa_pub = write_file(dir, "rsa.pub", testing::rsa_pair().public_pem);
    const auto rsa_priv = write_file(dir, "rsa.key", testing::rsa_pair().private_pem);
    const auto ec_priv = write_file(dir, "ec.key", testing::ec_pair().private_pem);
    const auto not_pem = write_file(dir, "junk.pem", "this is not a key\n");
    const auto weak = write_file(dir, "weak.pub", testing::make_rsa(1024).public_pem);
    const auto short_secret = write_file(dir, "short", "too short\n");
    const auto big = write_file(dir, "big", std::string(70 * 1024, 'k'));
    const auto missing = dir.file("does-not-exist.pem");
    const std::string secret = testing::test_secret;

    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> cases = {
        {"AUTH_MODE", {{"AUTH_MODE", "jwt"}}},
        {"AUTH_MODE", {{"AUTH_MODE", "token"}}},
        {"AUTH_MODE", {{"AUTH_MODE", "mixed"}}},
        {"JWT_SECRET_FILE", {{"JWT_SECRET", secret}, {"JWT_SECRET_FILE", short_secret}}},
        {"JWT_SECRET", {{"AUTH_MODE", "token"}, {"JWT_SECRET", "short"}}},
        {"JWT_SECRET_FILE", {{"AUTH_MODE", "token"}, {"JWT_SECRET_FILE", short_secret}}},
        {"JWT_SECRET_FILE", {{"AUTH_MODE", "token"}, {"JWT_SECRET_FILE", missing}}},
        {"JWT_SECRET_FILE", {{"AUTH_MODE", "token"}, {"JWT_SECRET_FILE", dir.path().string()}}},
        {"JWT_PUBLIC_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", missing}}},
        {"JWT_PUBLIC_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", not_pem}}},
        {"JWT_PUBLIC_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", rsa_priv}}},
        {"JWT_PUBLIC_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", weak}}},
        {"JWT_PUBLIC_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", big}}},
        {"JWT_PUBLIC_KEY_FILE", {{"JWT_SECRET", secret}, {"JWT_PUBLIC_KEY_FILE", rsa_pub}}},
        {"JWT_PRIVATE_KEY_FILE", {{"JWT_SECRET", secret}, {"JWT_PRIVATE_KEY_FILE", rsa_priv}}},
        {"JWT_PRIVATE_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PRIVATE_KEY_FILE", rsa_pub}}},
        {"JWT_PRIVATE_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", rsa_pub}, {"JWT_PRIVATE_KEY_FILE", ec_priv}}},
        {"JWT_PRIVATE_KEY_FILE", {{"AUTH_MODE", "token"}, {"JWT_PRIVATE_KEY_FILE", missing}}},
        {"JWT_ISSUER", {{"JWT_ISSUER", "a\nb"}}},
        {"JWT_AUDIENCE", {{"JWT_AUDIENCE", "\xff"}}},
        {"JWT_CLOCK_SKEW_SECONDS", {{"JWT_CLOCK_SKEW_SECONDS", "601"}}},
        {"JWT_CLOCK_SKEW_SECONDS", {{"JWT_CLOCK_SKEW_SECONDS", "-1"}}},
        {"JWT_MAX_TOKEN_BYTES", {{"JWT_MAX_TOKEN_BYTES", "255"}}},
        {"JWT_MAX_TOKEN_BYTES", {{"JWT_MAX_TOKEN_BYTES", "65537"}}},
        {"JWT_MAX_MINT_LIFETIME_SECONDS", {{"JWT_MAX_MINT_LIFETIME_SECONDS", "0"}}},
        {"CORS_ORIGINS", {{"CORS_ORIGINS", "https://a.example/"}}},
        {"CORS_ORIGINS", {{"CORS_ORIGINS", "*,https://a.example"}}},
        {"CORS_ORIGINS", {{"CORS_ORIGINS", "https://a.example,,https://b.example"}}},
        {"AUTH_TOKEN_DOCUMENTS", {{"AUTH_MODE", "mixed"}, {"JWT_SECRET", secret}}},
        {"AUTH_TOKEN_DOCUMENTS", {{"AUTH_MODE", "mixed"}, {"JWT_SECRET", secret}, {"AUTH_TOKEN_DOCUMENTS", "a,,b"}}},
        {"AUTH_TOKEN_DOCUMENTS", {{"AUTH_MODE", "mixed"}, {"JWT_SECRET", secret}, {"AUTH_TOKEN_DOCUMENTS", "a*b"}}},
        {"AUTH_TOKEN_DOCUMENTS", {{"AUTH_MODE", "mixed"}, {"JWT_SECRET", secret}, {"AUTH_TOKEN_DOCUMENTS", "a/b"}}},
        {"AUTH_TOKEN_DOCUMENTS", {{"AUTH_MODE", "mixed"}, {"JWT_SECRET", secret}, {"AUTH_TOKEN_DOCUMENTS", ","}}},
        {"AUTH_TOKEN_DOCUMENTS", {{"AUTH_TOKEN_DOCUMENTS", "a"}}},
        {"AUTH_TOKEN_DOCUMENTS", {{"AUTH_MODE", "token"}, {"JWT_SECRET", secret}, {"AUTH_TOKEN_DOCUMENTS", "a"}}},
    };
    for (const auto& [name, vars] : cases) {
        std::string shown;
        for (const auto& [k, v] : vars) shown += k + "=" + v + " ";
        INFO(shown);
        const std::string error = config_error(vars);
        INFO(error);
        CHECK(error.rfind(name + ": ", 0) == 0);
        // A secret's value never appears in the message.
        CHECK(error.find(secret) == std::string::npos);
        CHECK(error.find("too short") == std::string::npos);
    }
}

TEST_CASE("AUTH_TOKEN_DOCUMENTS lists the ids and prefixes that need a token in mixed mode") {
    auto c = parse_config(env({{"AUTH_MODE", "mixed"}, {"JWT_SECRET", testing::test_secret},
                               {"AUTH_TOKEN_DOCUMENTS", " course-1 , team-42-* ,exam"}}));
    REQUIRE(c.ok());
    REQUIRE(c->token_documents.size() == 3);
    CHECK(c->token_documents[0].text == "course-1");
    CHECK_FALSE(c->token_documents[0].prefix);
    CHECK(c->token_documents[1].text == "team-42-");
    CHECK(c->token_documents[1].prefix);
    CHECK(c->token_documents[1].matches("team-42-x"));
    CHECK_FALSE(c->token_documents[1].matches("team-43-x"));
    CHECK(c->token_documents[2].text == "exam");
    CHECK(parse_config(env({}))->token_documents.empty());
}

TEST_CASE("CORS_ORIGINS is read as a list of origins") {
    auto c = parse_config(env({{"CORS_ORIGINS", "https://lms.example, http://localhost:5173"}}));
    REQUIRE(c.ok());
    CHECK_FALSE(c->cors_origins.any());
    CHECK(c->cors_origins.origins() == std::vector<std::string>{"https://lms.example", "http://localhost:5173"});
    CHECK(parse_config(env({{"CORS_ORIGINS", "*"}}))->cors_origins.any());
}

TEST_CASE("the kept log's byte bound and the seq gap have defaults and are read") {
    auto d = parse_config(env({}));
    REQUIRE(d.ok());
    CHECK(d->log_retention_bytes == 16u << 20);
    CHECK(d->edit_seq_max_gap == 1000);
    auto c = parse_config(env({{"LOG_RETENTION_MB", "1"}, {"EDIT_SEQ_MAX_GAP", "5"}}));
    REQUIRE(c.ok());
    CHECK(c->log_retention_bytes == 1u << 20);
    CHECK(c->edit_seq_max_gap == 5);
}

TEST_CASE("MAX_MEMORY_MB defaults to a quarter of the machine's memory, or of a smaller cgroup limit") {
    const std::uint64_t gib = 1ull << 30;
    auto physical = parse_config(env({}), MachineMemory{8 * gib, 0});
    REQUIRE(physical.ok());
    CHECK(physical->max_memory_mb == 2048);
    CHECK(physical->max_memory_source.find("physical memory (8192 MB)") != std::string::npos);
    auto cgroup = parse_config(env({}), MachineMemory{8 * gib, 2 * gib});
    REQUIRE(cgroup.ok());
    CHECK(cgroup->max_memory_mb == 512);
    CHECK(cgroup->max_memory_source.find("cgroup") != std::string::npos);
    // cgroup v1 says "unlimited" with a number near 2^63.
    auto unlimited = parse_config(env({}), MachineMemory{8 * gib, 9223372036854771712ull});
    CHECK(unlimited->max_memory_mb == 2048);
    auto tiny = parse_config(env({}), MachineMemory{100ull << 20, 0});
    CHECK(tiny->max_memory_mb == 64);
    // Set explicitly, the machine does not matter; 0 still means off.
    CHECK(parse_config(env({{"MAX_MEMORY_MB", "0"}}), MachineMemory{8 * gib, 0})->max_memory_mb == 0);
    CHECK(parse_config(env({{"MAX_MEMORY_MB", "300"}}), MachineMemory{8 * gib, 0})->max_memory_mb == 300);
    // This machine's own figures are found.
    CHECK(read_machine_memory().physical_bytes > 0);
    CHECK(parse_config(env({}))->max_memory_mb >= 64);
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
