// Merging counters, percentiles, and reading a process's RSS and CPU time from /proc.
#include "stats.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
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
    frames_in_window += o.frames_in_window;
    history_frames_in_window += o.history_frames_in_window;
    entries_in_window += o.entries_in_window;
    connected += o.connected;
    connect_failed += o.connect_failed;
    for (const auto& [k, v] : o.errors) errors[k] += v;
    ack_us.insert(ack_us.end(), o.ack_us.begin(), o.ack_us.end());
    everyone_us.insert(everyone_us.end(), o.everyone_us.begin(), o.everyone_us.end());
    everyone_sent.insert(everyone_sent.end(), o.everyone_sent.begin(), o.everyone_sent.end());
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

CpuTime cpu_time(long pid, long tid) {
    const std::string path = "/proc/" + std::to_string(pid) + (tid > 0 ? "/task/" + std::to_string(tid) : "") + "/stat";
    std::ifstream f(path);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    auto close = all.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream in(all.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    return {static_cast<double>(utime) / hz, static_cast<double>(stime) / hz, true};
}

namespace {
CpuTime from_rusage(int who) {
    rusage r{};
    if (getrusage(who, &r) != 0) return {};
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return {s(r.ru_utime), s(r.ru_stime), true};
}
}  // namespace

CpuTime self_cpu_time() { return from_rusage(RUSAGE_SELF); }
CpuTime thread_cpu_time() { return from_rusage(RUSAGE_THREAD); }

ContextSwitches context_switches(long pid) {
    ContextSwitches c;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream f(task.path() / "status");
        std::string line;
        while (std::getline(f, line)) {
            if (line.rfind("voluntary_ctxt_switches:", 0) == 0) c.voluntary += std::stoull(line.substr(24));
            if (line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) c.involuntary += std::stoull(line.substr(27));
        }
    }
    return c;
}

}  // namespace kolabpad::load
