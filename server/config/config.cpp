#include "config/config.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>
#include <vector>

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

// One CSP source expression: 'self', 'none', *, a scheme ("https:") or a host source
// ([scheme://][*.]host[:port][/path]). Nothing that could end the header value or the directive.
bool is_csp_source(const std::string& s) {
    static const std::regex source(
        R"(^('self'|'none'|\*|[A-Za-z][A-Za-z0-9+.-]*:|([A-Za-z][A-Za-z0-9+.-]*://)?(\*|(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)(:([0-9]{1,5}|\*))?(/[A-Za-z0-9._~/-]*)?)$)");
    // A bare self or none is a host name to CSP, never what was meant: the keywords need quotes.
    if (s == "self" || s == "none") return false;
    return s.size() <= 256 && std::regex_match(s, source);
}

// FRAME_ANCESTORS: a space-separated list of CSP sources; 'none' only alone.
std::optional<ot::Error> read_frame_ancestors(const EnvLookup& env, std::string& out) {
    auto v = env("FRAME_ANCESTORS");
    if (!v || v->empty()) return std::nullopt;
    const char* expected = "'self', 'none', * or a space-separated list of origins (https://app.example.com)";
    std::vector<std::string> sources;
    std::size_t i = 0;
    while (i < v->size()) {
        if ((*v)[i] == ' ') {
            ++i;
            continue;
        }
        const std::size_t j = std::min(v->find(' ', i), v->size());
        sources.push_back(v->substr(i, j - i));
        i = j;
    }
    if (sources.empty() || sources.size() > 64) return bad("FRAME_ANCESTORS", *v, expected);
    std::string joined;
    for (const auto& s : sources) {
        if (!is_csp_source(s) || (s == "'none'" && sources.size() > 1)) return bad("FRAME_ANCESTORS", *v, expected);
        joined += (joined.empty() ? "" : " ") + s;
    }
    out = joined;
    return std::nullopt;
}

bool is_ip_literal(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

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
    if (auto s = env("SQLITE_URI"); s && !s->empty()) {
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

    KP_TRY(read_uint(env, "MAX_CONNECTIONS", 0, 1u << 24, c.max_connections));
    n = c.loader_threads;
    KP_TRY(read_uint(env, "LOADER_THREADS", 1, 64, n));
    c.loader_threads = static_cast<unsigned>(n);
    KP_TRY(read_frame_ancestors(env, c.frame_ancestors));

    if (auto t = env("ADMIN_TOKEN")) c.admin_token = *t;
    if (auto d = env("STATIC_DIR"); d && !d->empty()) c.static_dir = *d;

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
