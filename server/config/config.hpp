#pragma once
// Server configuration: every setting comes from one environment variable, parsed strictly.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/claims.hpp"
#include "auth/origins.hpp"
#include "auth/token_settings.hpp"
#include "config/machine_memory.hpp"
#include "history/options.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server {

// Severity threshold for log lines.
enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

// Shape of log lines: human-readable text or one JSON object per line.
enum class LogFormat { text, json };

// Every setting of the server, with its default; durations are in seconds.
struct Config {
    std::uint16_t port = 3030;                     // PORT (0 = any free port)
    std::string host = "0.0.0.0";                  // HOST (an IP address literal)
    std::string sqlite_path = "data/kolabpad.db";  // SQLITE_URI (":memory:" = no persistence)
    bool sqlite_sync_full = true;                  // SQLITE_SYNCHRONOUS (full | normal)
    std::string database_url;                      // DATABASE_URL (set: PostgreSQL, and SQLITE_URI is ignored)
    std::string database_label;                    // DATABASE_URL's host, port, database and user (never the password)
    std::string instance_id;                       // INSTANCE_ID (default: hostname-pid)
    std::string redis_url;                         // REDIS_URL (with DATABASE_URL: distributed mode)
    std::string redis_label;                       // REDIS_URL's host:port/db (never the password)
    std::uint64_t redis_publish_queue_limit = 100000;  // REDIS_PUBLISH_QUEUE_LIMIT (messages held while Redis is away)
    double relay_timeout_seconds = 2.0;            // RELAY_TIMEOUT_SECONDS (forwarded join/edit unanswered: check the owner)
    double lease_seconds = 5.0;                    // LEASE_SECONDS (document ownership lease, distributed mode)
    double database_retry_seconds = 30.0;          // DATABASE_RETRY_SECONDS (0 = a lost connection fails the batch at once)
    double database_timeout_seconds = 10.0;        // DATABASE_TIMEOUT_SECONDS (connecting, one round trip)
    unsigned database_read_connections = 2;        // DATABASE_READ_CONNECTIONS
    double expiry_seconds = 7 * 86400.0;           // EXPIRY_DAYS
    double cleanup_interval_seconds = 3600.0;      // CLEANUP_INTERVAL_HOURS
    std::uint64_t max_document_code_points = 256 * 1024;  // MAX_DOCUMENT_SIZE_KB (Ki code points)
    std::uint64_t max_message_bytes = 1024 * 1024;        // MAX_MESSAGE_SIZE_KB
    double ws_read_timeout_seconds = 30 * 60.0;    // WS_READ_TIMEOUT_MINUTES (0 = none)
    double ws_write_timeout_seconds = 10.0;        // WS_WRITE_TIMEOUT_SECONDS
    double ws_heartbeat_seconds = 30.0;            // WS_HEARTBEAT_INTERVAL_SECONDS (0 = no pings)
    std::uint64_t ws_send_queue_limit_bytes = 8192 * 1024;  // WS_SEND_QUEUE_LIMIT_KB
    std::uint64_t ws_flush_interval_ms = 0;        // WS_FLUSH_INTERVAL_MS (0 = write at once; max 1000)
    double rate_limit_per_second = 1000.0;         // RATE_LIMIT_MESSAGES_PER_SECOND
    double rate_limit_burst = 2000.0;              // RATE_LIMIT_BURST
    std::uint64_t snapshot_interval_ops = 500;     // SNAPSHOT_INTERVAL_OPS
    std::uint64_t log_retention_ops = 10000;       // LOG_RETENTION_OPS
    std::uint64_t log_retention_bytes = 16ull << 20;  // LOG_RETENTION_MB (kept log in bytes; 1 to 4096)
    std::uint64_t edit_seq_max_gap = 1000;         // EDIT_SEQ_MAX_GAP (largest jump of an Edit's seq)
    double shutdown_timeout_seconds = 10.0;        // SHUTDOWN_TIMEOUT_SECONDS
    unsigned threads = 0;                          // THREADS (0 = half the hardware threads, at least 1)
    std::uint64_t max_memory_mb = 0;               // MAX_MEMORY_MB (0 = no limit; unset: from the machine)
    std::string max_memory_source = "MAX_MEMORY_MB";  // where max_memory_mb came from (for the start-up log)
    double memory_check_interval_seconds = 5.0;    // MEMORY_CHECK_INTERVAL_SECONDS
    std::uint64_t storage_max_pending_writes = 50000;  // STORAGE_MAX_PENDING_WRITES (backpressure)
    std::uint64_t storage_commit_window_ms = 1;    // STORAGE_COMMIT_WINDOW_MS (0 = commit at once; max 1000)
    std::string admin_token;                       // ADMIN_TOKEN (empty = no admin API)
    std::uint64_t event_log_size = 1000;           // EVENT_LOG_SIZE (events kept for /api/events)
    std::uint64_t simulate_max_users = 20;         // SIMULATE_MAX_USERS (per document)
    double simulate_max_rate = 10.0;               // SIMULATE_MAX_RATE (edits/s per simulated user)
    std::string static_dir = "frontend/dist";      // STATIC_DIR
    std::uint64_t max_connections = 0;             // MAX_CONNECTIONS (0 = derived from the descriptor limit)
    unsigned loader_threads = 2;                   // LOADER_THREADS (cold document loads off the network threads)
    std::string frame_ancestors = "'self'";        // FRAME_ANCESTORS (CSP sources allowed to embed the pages)
    LogLevel log_level = LogLevel::info;           // LOG_LEVEL
    LogFormat log_format = LogFormat::text;        // LOG_FORMAT
    auth::AuthMode auth_mode = auth::AuthMode::open;  // AUTH_MODE
    std::vector<auth::DocumentRule> token_documents;  // AUTH_TOKEN_DOCUMENTS (mixed mode: the ids that need a token)
    auth::TokenSettings tokens;                    // JWT_* (key files read and checked at start)
    auth::OriginList cors_origins;                 // CORS_ORIGINS (default "*": any origin)
    history::HistoryOptions history;               // HISTORY_* (docs/history.md)

    // True with DATABASE_URL and REDIS_URL: several instances share the documents.
    bool distributed() const { return !database_url.empty() && !redis_url.empty(); }
    // True when SQLITE_URI asks for an in-memory database (and DATABASE_URL is not set).
    bool in_memory() const { return database_url.empty() && sqlite_path == ":memory:"; }
    // The storage for the start-up line: "postgresql host=... port=...", ":memory:" or the SQLite path.
    std::string storage_label() const;
};

// Looks up one environment variable; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The longest INSTANCE_ID.
inline constexpr std::size_t max_instance_id_chars = 64;

// Reads the process environment.
std::optional<std::string> process_env(std::string_view name);

// Parses every setting through `env`; an empty value counts as unset. On the first bad value
// the error message starts with the variable's name ("PORT: ..."). The JWT key files are read
// here, once, and checked (a secret's value never appears in a message). `machine` gives the
// default of MAX_MEMORY_MB (default_max_memory).
ot::Result<Config> parse_config(const EnvLookup& env, const MachineMemory& machine = read_machine_memory());

}  // namespace kolabpad::server
