#include "config/machine_memory.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace kolabpad::server {
namespace {

constexpr std::uint64_t mib = 1024 * 1024;
// Document memory is only what the documents account for; the process also holds send queues,
// SQLite's cache and allocator slack, and the limit evicts only idle documents: a quarter leaves room.
constexpr std::uint64_t fraction = 4;
constexpr std::uint64_t minimum_mb = 64;

// The first whitespace-separated token of `path` as a byte count (0 if absent, "max" or unparsable).
std::uint64_t read_bytes(const char* path) {
    std::ifstream in(path);
    std::string token;
    if (!(in >> token) || token.empty() || token.size() > 19) return 0;
    std::uint64_t n = 0;
    for (char c : token) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

}  // namespace

MachineMemory read_machine_memory() {
    MachineMemory m;
    std::ifstream meminfo("/proc/meminfo");
    std::string line;
    while (std::getline(meminfo, line)) {
        if (line.rfind("MemTotal:", 0) != 0) continue;
        std::istringstream fields(line.substr(9));
        std::uint64_t kb = 0;
        if (fields >> kb) m.physical_bytes = kb * 1024;
        break;
    }
    m.cgroup_limit_bytes = read_bytes("/sys/fs/cgroup/memory.max");
    if (m.cgroup_limit_bytes == 0) m.cgroup_limit_bytes = read_bytes("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    return m;
}

MemoryDefault default_max_memory(const MachineMemory& m) {
    // cgroup v1 reports "no limit" as a number near 2^63: any limit above physical memory is none.
    const bool cgroup = m.cgroup_limit_bytes > 0 && (m.physical_bytes == 0 || m.cgroup_limit_bytes < m.physical_bytes);
    const std::uint64_t total = cgroup ? m.cgroup_limit_bytes : m.physical_bytes;
    if (total == 0) return {0, "off (the machine's memory is unknown)"};
    const std::uint64_t mb = std::max(minimum_mb, total / fraction / mib);
    return {mb, std::string("a quarter of the ") + (cgroup ? "cgroup memory limit" : "physical memory") + " (" +
                    std::to_string(total / mib) + " MB)"};
}

}  // namespace kolabpad::server
