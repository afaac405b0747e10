#pragma once
// How much memory the machine gives this process, and the default MAX_MEMORY_MB derived from it.

#include <cstdint>
#include <string>

namespace kolabpad::server {

// The memory the process may use, in bytes; 0 where unknown or unlimited.
struct MachineMemory {
    std::uint64_t physical_bytes = 0;      // MemTotal of /proc/meminfo
    std::uint64_t cgroup_limit_bytes = 0;  // memory.max (cgroup v2) or memory.limit_in_bytes (v1)
};

// Reads /proc/meminfo and the process's cgroup memory limit.
MachineMemory read_machine_memory();

// The default MAX_MEMORY_MB and a phrase saying where it came from.
struct MemoryDefault {
    std::uint64_t mb = 0;  // 0 = no limit (nothing known about the machine)
    std::string source;
};

// A quarter of the smaller of physical memory and the cgroup limit, at least 64 MB.
MemoryDefault default_max_memory(const MachineMemory& m);

}  // namespace kolabpad::server
