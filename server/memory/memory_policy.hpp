#pragma once
// Memory policy: which idle documents to evict, least recently used first, to get the accounted
// memory of documents under MAX_MEMORY_MB; and the process's resident memory for reporting.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kolabpad::server::memory {

// One document in memory as the policy sees it.
struct Candidate {
    std::string id;
    std::uint64_t bytes = 0;                       // its accounted memory
    bool idle = false;                             // nobody connected and every edit committed
    std::chrono::steady_clock::time_point last_used;  // when the last user left
};

// Ids of idle documents to evict, oldest `last_used` first, until the total accounted memory is at
// most `limit_bytes`; documents with users are never chosen. Empty when already under the limit.
std::vector<std::string> choose_evictions(std::vector<Candidate> docs, std::uint64_t limit_bytes);

// The process's resident set size in bytes, from /proc/self/statm; nullopt when unavailable.
std::optional<std::uint64_t> process_rss_bytes();

}  // namespace kolabpad::server::memory
