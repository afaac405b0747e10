// Merging counters, percentiles, and reading a process's RSS and CPU time from /proc.
#include "stats.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace kolabpad::load {

void Counters::merge(const Counters& o) {
    keystrokes += o.keystrokes;
    edits_sent += o.edits_sent;
    acks += o.acks;
    acks_in_window += o.acks_in_window;
    remote_entries += o.remote_entries;
    frames_in += o.frames_in;
    frames_out += o.frames_out;
    bytes_in += o.bytes_in;
    bytes_out += o.bytes_out;
    connected += o.connected;
    connect_failed += o.connect_failed;
    for (const auto& [k, v] : o.errors) errors[k] += v;
    ack_us.insert(ack_us.end(), o.ack_us.begin(), o.ack_us.end());
    everyone_us.insert(everyone_us.end(), o.everyone_us.begin(), o.everyone_us.end());
}

std::uint64_t Counters::error_total() const {
    std::uint64_t n = 0;
    for (const auto& [k, v] : errors) n += v;
    return n;
}

Percentiles percentiles(std::vector<std::uint32_t>& us) {
    Percentiles p;
    p.count = us.size();
    if (us.empty()) return p;
    std::sort(us.begin(), us.end());
    auto at = [&](double q) {
        std::size_t i = static_cast<std::size_t>(q * static_cast<double>(us.size() - 1) + 0.5);
        return us[std::min(i, us.size() - 1)] / 1000.0;
    };
    p.p50 = at(0.50);
    p.p95 = at(0.95);
    p.p99 = at(0.99);
    p.max = us.back() / 1000.0;
    return p;
}

nlohmann::json to_json(const Percentiles& p) {
    return {{"count", p.count}, {"p50_ms", p.p50}, {"p95_ms", p.p95}, {"p99_ms", p.p99}, {"max_ms", p.max}};
}

long rss_kib(long pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

double cpu_seconds(long pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    auto close = all.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream in(all.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace kolabpad::load
