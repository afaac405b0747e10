#pragma once
// Counters and latency samples one load thread collects, merged into one report at the end.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kolabpad::load {

// Everything one thread counts; plain data, merged with merge().
struct Counters {
    std::uint64_t keystrokes = 0;       // local edits typed (several may be composed into one sent edit)
    std::uint64_t edits_sent = 0;       // Edit frames sent
    std::uint64_t acks = 0;             // own entries received back (accepted edits)
    std::uint64_t acks_in_window = 0;   // of those, received while typing was on
    std::uint64_t remote_entries = 0;   // other clients' entries applied
    std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0;
    std::uint64_t connected = 0, connect_failed = 0;
    std::map<std::string, std::uint64_t> errors;  // "close 1008", "Error bad_revision", "Rejected ...", ...
    std::vector<std::uint32_t> ack_us;            // edit sent -> own entry received, microseconds
    std::vector<std::uint32_t> everyone_us;       // edit sent -> last other client of the doc received it

    // Adds `o` into this.
    void merge(const Counters& o);
    // Total of all error/close counts.
    std::uint64_t error_total() const;
};

// Order statistics of one latency sample set, in milliseconds.
struct Percentiles {
    std::uint64_t count = 0;
    double p50 = 0, p95 = 0, p99 = 0, max = 0;
};

// Sorts `us` (microseconds) and returns its percentiles in milliseconds (all zero when empty).
Percentiles percentiles(std::vector<std::uint32_t>& us);

// The JSON form {count, p50_ms, p95_ms, p99_ms, max_ms}.
nlohmann::json to_json(const Percentiles& p);

// Resident set size of process `pid` in KiB from /proc/<pid>/status; -1 when unreadable.
long rss_kib(long pid);

// User + system CPU seconds of process `pid` from /proc/<pid>/stat; -1 when unreadable.
double cpu_seconds(long pid);

}  // namespace kolabpad::load
