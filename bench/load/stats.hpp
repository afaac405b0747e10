#pragma once
// Counters and latency samples one load thread collects, merged into one report at the end, and the
// CPU and memory figures read from /proc.

#include <chrono>
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
    std::uint64_t remote_entries = 0;   // other clients' entries received (applied, by authors)
    std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0;
    std::uint64_t frames_in_window = 0;          // frames received while typing was on
    std::uint64_t history_frames_in_window = 0;  // of those, History frames
    std::uint64_t entries_in_window = 0;         // History entries received while typing was on
    std::uint64_t connected = 0, connect_failed = 0;
    std::map<std::string, std::uint64_t> errors;  // "close 1008", "Error bad_revision", "Rejected ...", ...
    std::vector<std::uint32_t> ack_us;            // edit sent -> own entry received, microseconds
    std::vector<std::uint32_t> everyone_us;       // edit sent -> last other client of the doc received it
    std::vector<std::chrono::steady_clock::time_point> everyone_sent;  // when each everyone_us edit was sent

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

// CPU time in seconds, split into user and kernel.
struct CpuTime {
    double user = 0, sys = 0;
    bool ok = false;
    double total() const { return user + sys; }
    CpuTime operator-(const CpuTime& o) const { return {user - o.user, sys - o.sys, ok && o.ok}; }
};

// User and system CPU of process `pid` (or of thread `tid` of it, when tid > 0) from /proc/.../stat.
CpuTime cpu_time(long pid, long tid = 0);
// This process's user and system CPU from getrusage(RUSAGE_SELF) (microsecond resolution).
CpuTime self_cpu_time();
// The calling thread's user and system CPU from getrusage(RUSAGE_THREAD).
CpuTime thread_cpu_time();

// Voluntary and involuntary context switches of process `pid` (all threads), from /proc.
struct ContextSwitches {
    std::uint64_t voluntary = 0, involuntary = 0;
};
ContextSwitches context_switches(long pid);

}  // namespace kolabpad::load
