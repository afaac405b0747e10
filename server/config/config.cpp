#include "config/config.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "storage/pg_connection.hpp"

namespace kolabpad::server {
namespace {

ot::Error bad(std::string_view name, const std::string& value, std::string_view expected) {
    return ot::Error{std::string(name) + ": expected " + std::string(expected) + ", got \"" + value + "\""};
}

// Reads an unsigned integer in [min, max]; digits only (no sign, no spaces, no decimals).
std::optional<ot::Error> read_uint(const EnvLookup& env, std::string_view name, std::uint64_t min,
                                   std::uint64_t max, std::uint64_t& out) {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    const std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (v->size() > 19) return bad(name, *v, expected);
    std::uint64_t n = 0;
    for (char c : *v) {
        if (c < '0' || c > '9') return bad(name, *v, expected);
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n < min || n > max) return bad(name, *v, expected);
    out = n;
    return std::nullopt;
}

// Reads a non-negative decimal number ("1", "0.5", ".25"); multiplies it by `unit` seconds.
std::optional<ot::Error> read_duration(const EnvLookup& env, std::string_view name, bool zero_allowed,
                                       double unit, double& out_seconds) {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    const char* expected = zero_allowed ? "a number >= 0 (decimals allowed)" : "a number > 0 (decimals allowed)";
    bool digit = false, dot = false;
    for (char c : *v) {
        if (c >= '0' && c <= '9') digit = true;
        else if (c == '.' && !dot) dot = true;
        else return bad(name, *v, expected);
    }
    if (!digit) return bad(name, *v, expected);
    errno = 0;
    const double d = std::strtod(v->c_str(), nullptr);
    if (errno != 0 || !std::isfinite(d) || d > 1e12 || (!zero_allowed && d <= 0)) return bad(name, *v, expected);
    out_seconds = d * unit;
    return std::nullopt;
}

// Reads a string that must be one of `choices`.
template <class E, std::size_t N>
std::optional<ot::Error> read_choice(const EnvLookup& env, std::string_view name,
                                     const std::pair<const char*, E> (&choices)[N], E& out) {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    std::string expected = "one of";
    for (const auto& [text, value] : choices) {
        if (*v == text) {
            out = value;
            return std::nullopt;
        }
        expected += std::string(" ") + text;
    }
    return bad(name, *v, expected);
}

bool instance_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

// hostname-pid, with characters outside [A-Za-z0-9._-] replaced and the hostname shortened to fit.
std::string default_instance_id() {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == 0) std::snprintf(host, sizeof host, "kolabpad");
    std::string h = host;
    for (char& c : h) {
        if (!instance_char(c)) c = '-';
    }
    std::string pid = "-";
    pid += std::to_string(getpid());
    if (h.size() + pid.size() > max_instance_id_chars) h.resize(max_instance_id_chars - pid.size());
    return h + pid;
}

// A libpq connection string (key=value) or a postgres:// URI; the error never repeats the value
// (it may hold a password) and masks the password in libpq's own message.
std::optional<ot::Error> read_database_url(const EnvLookup& env, Config& c) {
    auto v = env("DATABASE_URL");
    if (!v || v->empty()) return std::nullopt;
    const std::string& url = *v;
    const bool uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
    const char* expected = "DATABASE_URL: expected a libpq connection string (key=value ...) or a postgresql:// URI";
    if (!uri && url.find('=') == std::string::npos) return ot::Error{expected};
    auto label = storage::describe_conninfo(url);
    if (!label) {
        std::string message = label.error();
        std::string secret;
        if (uri) {
            const auto start = url.find("://") + 3;
            const auto at = url.rfind('@', url.find('/', start));
            const auto colon = url.find(':', start);
            if (at != std::string::npos && colon != std::string::npos && colon < at) secret = url.substr(colon + 1, at - colon - 1);
        } else if (auto p = url.find("password="); p != std::string::npos) {
            secret = url.substr(p + 9, url.find(' ', p + 9) - (p + 9));
        }
        for (std::size_t p; !secret.empty() && (p = message.find(secret)) != std::string::npos;) message.replace(p, secret.size(), "***");
        return ot::Error{std::string(expected) + " (" + message + ")"};
    }
    c.database_url = url;
    c.database_label = label.value();
    return std::nullopt;
}

bool is_ip_literal(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::string Config::storage_label() const {
    if (!database_url.empty()) return database_label;
    return in_memory() ? ":memory:" : sqlite_path;
}

std::optional<std::string> process_env(std::string_view name) {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
}

ot::Result<Config> parse_config(const EnvLookup& env) {
    Config c;
    std::uint64_t n = 0;
    const std::uint64_t big = std::numeric_limits<std::uint32_t>::max();
#define KP_TRY(expr) \
    if (auto e = (expr)) return *e

    n = c.port;
    KP_TRY(read_uint(env, "PORT", 0, 65535, n));
    c.port = static_cast<std::uint16_t>(n);

    if (auto h = env("HOST"); h && !h->empty()) {
        if (!is_ip_literal(*h)) return bad("HOST", *h, "an IPv4 or IPv6 address");
        c.host = *h;
    }
    KP_TRY(read_database_url(env, c));
    // With DATABASE_URL set, SQLITE_URI is ignored (not checked either).
    if (auto s = env("SQLITE_URI"); s && !s->empty() && c.database_url.empty()) {
        std::string p = *s;
        if (p.rfind("sqlite://", 0) == 0) p = p.substr(9);
        else if (p.rfind("sqlite:", 0) == 0) p = p.substr(7);
        if (p.empty()) return bad("SQLITE_URI", *s, "a file path or :memory:");
        c.sqlite_path = p;
    }
    KP_TRY(read_duration(env, "EXPIRY_DAYS", false, 86400.0, c.expiry_seconds));
    KP_TRY(read_duration(env, "CLEANUP_INTERVAL_HOURS", false, 3600.0, c.cleanup_interval_seconds));

    n = 256;
    KP_TRY(read_uint(env, "MAX_DOCUMENT_SIZE_KB", 1, 1u << 20, n));
    c.max_document_code_points = n * 1024;
    n = 1024;
    KP_TRY(read_uint(env, "MAX_MESSAGE_SIZE_KB", 1, 1u << 20, n));
    c.max_message_bytes = n * 1024;

    KP_TRY(read_duration(env, "WS_READ_TIMEOUT_MINUTES", true, 60.0, c.ws_read_timeout_seconds));
    KP_TRY(read_duration(env, "WS_WRITE_TIMEOUT_SECONDS", false, 1.0, c.ws_write_timeout_seconds));
    KP_TRY(read_duration(env, "WS_HEARTBEAT_INTERVAL_SECONDS", true, 1.0, c.ws_heartbeat_seconds));

    n = 8192;
    KP_TRY(read_uint(env, "WS_SEND_QUEUE_LIMIT_KB", 1, 1u << 22, n));
    c.ws_send_queue_limit_bytes = n * 1024;
    KP_TRY(read_uint(env, "WS_FLUSH_INTERVAL_MS", 0, 1000, c.ws_flush_interval_ms));

    KP_TRY(read_duration(env, "RATE_LIMIT_MESSAGES_PER_SECOND", false, 1.0, c.rate_limit_per_second));
    KP_TRY(read_duration(env, "RATE_LIMIT_BURST", false, 1.0, c.rate_limit_burst));
    if (c.rate_limit_burst < 1) return bad("RATE_LIMIT_BURST", *env("RATE_LIMIT_BURST"), "a number >= 1");

    KP_TRY(read_uint(env, "SNAPSHOT_INTERVAL_OPS", 1, big, c.snapshot_interval_ops));
    KP_TRY(read_uint(env, "LOG_RETENTION_OPS", 0, big, c.log_retention_ops));
    KP_TRY(read_duration(env, "SHUTDOWN_TIMEOUT_SECONDS", false, 1.0, c.shutdown_timeout_seconds));

    n = 0;
    KP_TRY(read_uint(env, "THREADS", 0, 1024, n));
    c.threads = static_cast<unsigned>(n);
    KP_TRY(read_uint(env, "MAX_MEMORY_MB", 0, big, c.max_memory_mb));
    KP_TRY(read_duration(env, "MEMORY_CHECK_INTERVAL_SECONDS", false, 1.0, c.memory_check_interval_seconds));
    KP_TRY(read_uint(env, "STORAGE_MAX_PENDING_WRITES", 0, big, c.storage_max_pending_writes));
    KP_TRY(read_uint(env, "STORAGE_COMMIT_WINDOW_MS", 0, 1000, c.storage_commit_window_ms));
    KP_TRY(read_uint(env, "EVENT_LOG_SIZE", 1, 1000000, c.event_log_size));
    KP_TRY(read_uint(env, "SIMULATE_MAX_USERS", 0, 10000, c.simulate_max_users));
    KP_TRY(read_duration(env, "SIMULATE_MAX_RATE", false, 1.0, c.simulate_max_rate));

    if (auto t = env("ADMIN_TOKEN")) c.admin_token = *t;
    if (auto d = env("STATIC_DIR"); d && !d->empty()) c.static_dir = *d;

    c.instance_id = default_instance_id();
    if (auto id = env("INSTANCE_ID"); id && !id->empty()) {
        bool ok = id->size() <= max_instance_id_chars;
        for (char ch : *id) ok = ok && instance_char(ch);
        if (!ok) return bad("INSTANCE_ID", *id, "1 to 64 characters from A-Z a-z 0-9 . _ -");
        c.instance_id = *id;
    }
    KP_TRY(read_duration(env, "LEASE_SECONDS", false, 1.0, c.lease_seconds));
    if (c.lease_seconds < 0.1 || c.lease_seconds > 3600) {
        return bad("LEASE_SECONDS", *env("LEASE_SECONDS"), "a number from 0.1 to 3600");
    }
    KP_TRY(read_duration(env, "DATABASE_RETRY_SECONDS", true, 1.0, c.database_retry_seconds));
    if (c.database_retry_seconds > 86400) {
        return bad("DATABASE_RETRY_SECONDS", *env("DATABASE_RETRY_SECONDS"), "a number from 0 to 86400");
    }
    KP_TRY(read_duration(env, "DATABASE_TIMEOUT_SECONDS", false, 1.0, c.database_timeout_seconds));
    if (c.database_timeout_seconds < 0.1 || c.database_timeout_seconds > 3600) {
        return bad("DATABASE_TIMEOUT_SECONDS", *env("DATABASE_TIMEOUT_SECONDS"), "a number from 0.1 to 3600");
    }
    n = c.database_read_connections;
    KP_TRY(read_uint(env, "DATABASE_READ_CONNECTIONS", 1, 64, n));
    c.database_read_connections = static_cast<unsigned>(n);

    static const std::pair<const char*, LogLevel> levels[] = {
        {"error", LogLevel::error}, {"warn", LogLevel::warn}, {"info", LogLevel::info}, {"debug", LogLevel::debug}};
    KP_TRY(read_choice(env, "LOG_LEVEL", levels, c.log_level));
    static const std::pair<const char*, LogFormat> formats[] = {{"text", LogFormat::text}, {"json", LogFormat::json}};
    KP_TRY(read_choice(env, "LOG_FORMAT", formats, c.log_format));
    static const std::pair<const char*, bool> syncs[] = {{"full", true}, {"normal", false}};
    KP_TRY(read_choice(env, "SQLITE_SYNCHRONOUS", syncs, c.sqlite_sync_full));
#undef KP_TRY
    return c;
}

}  // namespace kolabpad::server
