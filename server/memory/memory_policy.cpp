#include "memory/memory_policy.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace kolabpad::server::memory {

std::vector<std::string> choose_evictions(std::vector<Candidate> docs, std::uint64_t limit_bytes) {
    std::uint64_t total = 0;
    for (const auto& d : docs) total += d.bytes;
    std::vector<std::string> out;
    if (total <= limit_bytes) return out;
    std::stable_sort(docs.begin(), docs.end(), [](const Candidate& a, const Candidate& b) { return a.last_used < b.last_used; });
    for (const auto& d : docs) {
        if (total <= limit_bytes) break;
        if (!d.idle) continue;
        out.push_back(d.id);
        total -= d.bytes;
    }
    return out;
}

std::optional<std::uint64_t> process_rss_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return std::nullopt;
    unsigned long long size = 0, resident = 0;
    const int n = std::fscanf(f, "%llu %llu", &size, &resident);
    std::fclose(f);
    if (n != 2) return std::nullopt;
    return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace kolabpad::server::memory
