#include "config/config.hpp"

#include "cluster/redis_url.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <regex>
#include <vector>

#include "kolabpad/ot/utf8.hpp"
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


// Most bytes read from a JWT key or secret file (a PEM key is a few KiB).
constexpr std::size_t max_key_file_bytes = 64 * 1024;

ot::Error named(std::string_view name, const std::string& message) {
    return ot::Error{std::string(name) + ": " + message};
}

// The whole content of the file at `path`, or an error naming `name` and the path.
ot::Result<std::string> read_key_file(std::string_view name, const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return named(name, "cannot read \"" + path + "\": " + std::strerror(errno));
    std::string out(max_key_file_bytes + 1, '\0');
    const std::size_t n = std::fread(out.data(), 1, out.size(), f);
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) return named(name, "cannot read \"" + path + "\": " + std::strerror(err));
    if (n > max_key_file_bytes) return named(name, "\"" + path + "\" is larger than 64 KiB");
    out.resize(n);
    return out;
}

// A free-text setting that must be UTF-8 without control characters (JWT_ISSUER, JWT_AUDIENCE).
std::optional<ot::Error> read_text(const EnvLookup& env, std::string_view name, std::string& out) {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    bool control = false;
    for (char ch : *v) control = control || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F;
    if (control || !ot::utf8::is_valid(*v) || v->size() > 1024) {
        return named(name, "expected at most 1024 bytes of UTF-8 text without control characters");
    }
    out = *v;
    return std::nullopt;
}

// Most entries in AUTH_TOKEN_DOCUMENTS.
constexpr std::size_t max_token_document_rules = 1024;

// AUTH_TOKEN_DOCUMENTS: document ids or prefixes ending in '*' (the token claims' rule), separated
// by commas, spaces around each ignored; no empty entry.
ot::Result<std::vector<auth::DocumentRule>> read_document_rules(std::string_view value) {
    std::vector<auth::DocumentRule> rules;
    const char* expected = "expected document ids or prefixes ending in '*' (team-42-*), separated by commas, got \"";
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = value.find(',', start);
        std::string_view entry = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
        while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
        auto rule = auth::parse_document_rule(entry);
        if (!rule) return ot::Error{std::string(expected) + std::string(entry) + "\""};
        rules.push_back(std::move(*rule));
        if (rules.size() > max_token_document_rules) return ot::Error{"more than 1024 entries"};
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return rules;
}

// AUTH_MODE, the JWT_* settings (keys loaded from their files), AUTH_TOKEN_DOCUMENTS and CORS_ORIGINS.
std::optional<ot::Error> read_auth(const EnvLookup& env, Config& c) {
    auto set = [&](std::string_view name) -> std::optional<std::string> {
        auto v = env(name);
        if (!v || v->empty()) return std::nullopt;
        return v;
    };
    static const std::pair<const char*, auth::AuthMode> modes[] = {
        {"open", auth::AuthMode::open}, {"token", auth::AuthMode::token}, {"mixed", auth::AuthMode::mixed}};
    if (auto e = read_choice(env, "AUTH_MODE", modes, c.auth_mode)) return e;

    auth::TokenSettings& t = c.tokens;
    const auto secret = set("JWT_SECRET");
    const auto secret_file = set("JWT_SECRET_FILE");
    const auto public_file = set("JWT_PUBLIC_KEY_FILE");
    const auto private_file = set("JWT_PRIVATE_KEY_FILE");
    if (secret && secret_file) return named("JWT_SECRET_FILE", "set together with JWT_SECRET; set only one of them");
    const char* secret_name = secret ? "JWT_SECRET" : "JWT_SECRET_FILE";
    if ((secret || secret_file) && public_file) {
        return named("JWT_PUBLIC_KEY_FILE", std::string("set together with ") + secret_name +
                                                "; one key fixes the one accepted algorithm, set only one");
    }
    if ((secret || secret_file) && private_file) {
        return named("JWT_PRIVATE_KEY_FILE", std::string("set together with ") + secret_name +
                                                 "; one key fixes the one accepted algorithm, set only one");
    }
    if (secret || secret_file) {
        std::string value;
        if (secret) {
            value = *secret;
        } else {
            auto content = read_key_file("JWT_SECRET_FILE", *secret_file);
            if (!content) return ot::Error{content.error()};
            value = std::move(content).value();
            // Files written by `echo` or secret stores often end in one newline; it is not part of the secret.
            if (!value.empty() && value.back() == '\n') value.pop_back();
            if (!value.empty() && value.back() == '\r') value.pop_back();
        }
        auto v = auth::VerifyKey::from_secret(value);
        if (!v) return named(secret_name, v.error());
        t.verify_key = *v;
        t.signing_key = *auth::SigningKey::from_secret(value);
    }
    if (public_file) {
        auto pem = read_key_file("JWT_PUBLIC_KEY_FILE", *public_file);
        if (!pem) return ot::Error{pem.error()};
        auto v = auth::VerifyKey::from_public_pem(*pem);
        if (!v) return named("JWT_PUBLIC_KEY_FILE", "\"" + *public_file + "\": " + v.error());
        t.verify_key = *v;
    }
    if (private_file) {
        auto pem = read_key_file("JWT_PRIVATE_KEY_FILE", *private_file);
        if (!pem) return ot::Error{pem.error()};
        auto k = auth::SigningKey::from_private_pem(*pem);
        if (!k) return named("JWT_PRIVATE_KEY_FILE", "\"" + *private_file + "\": " + k.error());
        if (t.verify_key && !k->matches(*t.verify_key)) {
            return named("JWT_PRIVATE_KEY_FILE", "\"" + *private_file + "\" is not the private key of JWT_PUBLIC_KEY_FILE");
        }
        if (!t.verify_key) t.verify_key = k->verify_key();
        t.signing_key = *k;
    }
    if (c.auth_mode != auth::AuthMode::open && !t.verify_key) {
        return named("AUTH_MODE", std::string(auth::auth_mode_name(c.auth_mode)) +
                                      " needs a key: set JWT_SECRET, JWT_SECRET_FILE, JWT_PUBLIC_KEY_FILE or JWT_PRIVATE_KEY_FILE");
    }

    if (auto e = read_text(env, "JWT_ISSUER", t.issuer)) return e;
    if (auto e = read_text(env, "JWT_AUDIENCE", t.audience)) return e;
    std::uint64_t n = static_cast<std::uint64_t>(t.clock_skew_seconds);
    if (auto e = read_uint(env, "JWT_CLOCK_SKEW_SECONDS", 0, 600, n)) return e;
    t.clock_skew_seconds = static_cast<std::int64_t>(n);
    n = t.max_token_bytes;
    if (auto e = read_uint(env, "JWT_MAX_TOKEN_BYTES", 256, 65536, n)) return e;
    t.max_token_bytes = n;
    n = static_cast<std::uint64_t>(t.max_mint_lifetime_seconds);
    if (auto e = read_uint(env, "JWT_MAX_MINT_LIFETIME_SECONDS", 1, 10ull * 365 * 86400, n)) return e;
    t.max_mint_lifetime_seconds = static_cast<std::int64_t>(n);

    if (auto v = set("AUTH_TOKEN_DOCUMENTS")) {
        if (c.auth_mode != auth::AuthMode::mixed) {
            return named("AUTH_TOKEN_DOCUMENTS", std::string("applies only to AUTH_MODE=mixed (AUTH_MODE is ") +
                                                     std::string(auth::auth_mode_name(c.auth_mode)) + ")");
        }
        auto rules = read_document_rules(*v);
        if (!rules) return named("AUTH_TOKEN_DOCUMENTS", rules.error());
        c.token_documents = std::move(rules).value();
    } else if (c.auth_mode == auth::AuthMode::mixed) {
        return named("AUTH_TOKEN_DOCUMENTS", "AUTH_MODE=mixed needs it: the document ids (or prefixes ending in '*') "
                                             "that need a token, separated by commas");
    }

    if (auto v = set("CORS_ORIGINS")) {
        auto origins = auth::OriginList::parse(*v);
        if (!origins) return named("CORS_ORIGINS", origins.error());
        c.cors_origins = std::move(origins).value();
    }
    return std::nullopt;
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

ot::Result<Config> parse_config(const EnvLookup& env, const MachineMemory& machine) {
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
    n = c.log_retention_bytes >> 20;
    KP_TRY(read_uint(env, "LOG_RETENTION_MB", 1, 4096, n));
    c.log_retention_bytes = n << 20;
    KP_TRY(read_uint(env, "EDIT_SEQ_MAX_GAP", 1, big, c.edit_seq_max_gap));
    KP_TRY(read_duration(env, "SHUTDOWN_TIMEOUT_SECONDS", false, 1.0, c.shutdown_timeout_seconds));

    n = 0;
    KP_TRY(read_uint(env, "THREADS", 0, 1024, n));
    c.threads = static_cast<unsigned>(n);
    if (auto m = env("MAX_MEMORY_MB"); m && !m->empty()) {
        KP_TRY(read_uint(env, "MAX_MEMORY_MB", 0, big, c.max_memory_mb));
    } else {
        const MemoryDefault d = default_max_memory(machine);
        c.max_memory_mb = d.mb;
        c.max_memory_source = d.source;
    }
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
    if (auto r = env("REDIS_URL"); r && !r->empty()) {
        auto a = cluster::parse_redis_url(*r);
        if (!a) return ot::Error{"REDIS_URL: " + a.error() + " (expected redis://[[user]:password@]host[:port][/db])"};
        if (c.database_url.empty()) return ot::Error{"REDIS_URL: distributed mode needs DATABASE_URL too"};
        c.redis_url = *r;
        c.redis_label = a->label();
    }
    KP_TRY(read_uint(env, "REDIS_PUBLISH_QUEUE_LIMIT", 1, 100000000, c.redis_publish_queue_limit));
    KP_TRY(read_duration(env, "RELAY_TIMEOUT_SECONDS", false, 1.0, c.relay_timeout_seconds));
    if (c.relay_timeout_seconds < 0.05 || c.relay_timeout_seconds > 3600) {
        return bad("RELAY_TIMEOUT_SECONDS", *env("RELAY_TIMEOUT_SECONDS"), "a number from 0.05 to 3600");
    }

    static const std::pair<const char*, LogLevel> levels[] = {
        {"error", LogLevel::error}, {"warn", LogLevel::warn}, {"info", LogLevel::info}, {"debug", LogLevel::debug}};
    KP_TRY(read_choice(env, "LOG_LEVEL", levels, c.log_level));
    static const std::pair<const char*, LogFormat> formats[] = {{"text", LogFormat::text}, {"json", LogFormat::json}};
    KP_TRY(read_choice(env, "LOG_FORMAT", formats, c.log_format));
    static const std::pair<const char*, bool> syncs[] = {{"full", true}, {"normal", false}};
    KP_TRY(read_choice(env, "SQLITE_SYNCHRONOUS", syncs, c.sqlite_sync_full));
    KP_TRY(read_auth(env, c));
    auto history = history::parse_history_options([&env](std::string_view name) { return env(name); });
    if (!history) return ot::Error{history.error()};
    c.history = history.value();
#undef KP_TRY
    return c;
}

}  // namespace kolabpad::server
