#pragma once
// Histogram: a lock-free latency histogram with fixed buckets, printed in Prometheus text format.

#include <array>
#include <cstdio>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace kolabpad::server::metrics {

// Counts observations (in seconds) into fixed buckets from 50 µs to 10 s; safe from any thread.
class Histogram {
public:
    // Upper bounds of the buckets, in seconds.
    static constexpr std::array<double, 12> bounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                   0.005,   0.01,   0.025,   0.1,    1.0,   10.0};

    // Records one observation.
    void observe(std::chrono::steady_clock::duration d) {
        const double s = std::chrono::duration<double>(d).count();
        std::size_t i = 0;
        while (i < bounds.size() && s > bounds[i]) ++i;
        counts_[i].fetch_add(1, std::memory_order_relaxed);
        sum_us_.fetch_add(static_cast<std::uint64_t>(s * 1e6), std::memory_order_relaxed);
    }

    // Appends `# HELP`, `# TYPE` and the cumulative buckets, sum and count of `name`.
    void append_prometheus(std::string& out, std::string_view name, std::string_view help) const {
        const std::string n(name);
        out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " histogram\n";
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            total += counts_[i].load(std::memory_order_relaxed);
            char le[32];
            std::snprintf(le, sizeof le, "%g", bounds[i]);
            out += n + "_bucket{le=\"" + le + "\"} " + std::to_string(total) + "\n";
        }
        total += counts_[bounds.size()].load(std::memory_order_relaxed);
        out += n + "_bucket{le=\"+Inf\"} " + std::to_string(total) + "\n";
        char sum[48];
        std::snprintf(sum, sizeof sum, "%.6f", static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
        out += n + "_sum " + sum + "\n" + n + "_count " + std::to_string(total) + "\n";
    }

private:
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> counts_{};
    std::atomic<std::uint64_t> sum_us_{0};
};

}  // namespace kolabpad::server::metrics
