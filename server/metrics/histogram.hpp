#pragma once
// Histogram: a lock-free histogram with fixed buckets, printed in Prometheus text format.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kolabpad::server::metrics {

// Counts observations into fixed buckets (upper bounds, ascending); safe from any thread.
class Histogram {
public:
    // Bucket bounds for latencies, in seconds: 50 µs to 10 s.
    static std::vector<double> latency_bounds() {
        return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0, 10.0};
    }
    // Bucket bounds for counts: 1, 2, 4, ... 4096.
    static std::vector<double> count_bounds() {
        std::vector<double> b;
        for (double v = 1; v <= 4096; v *= 2) b.push_back(v);
        return b;
    }

    // A histogram over `bounds` (latency_bounds() by default).
    explicit Histogram(std::vector<double> bounds = latency_bounds())
        : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
        for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
    }

    // Records one observation of `value` (seconds for latencies).
    void observe(double value) {
        const std::size_t i =
            static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
        counts_[i].fetch_add(1, std::memory_order_relaxed);
        double cur = sum_.load(std::memory_order_relaxed);
        while (!sum_.compare_exchange_weak(cur, cur + value, std::memory_order_relaxed)) {
        }
    }
    // Records one duration, in seconds.
    void observe(std::chrono::steady_clock::duration d) { observe(std::chrono::duration<double>(d).count()); }

    // Number of observations.
    std::uint64_t count() const {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i <= bounds_.size(); ++i) n += counts_[i].load(std::memory_order_relaxed);
        return n;
    }
    // Sum of the observations.
    double sum() const { return sum_.load(std::memory_order_relaxed); }

    // Estimated q-quantile (0..1), interpolating linearly inside a bucket; 0 when empty. Values in
    // the overflow bucket are reported as the largest bound.
    double quantile(double q) const {
        const std::uint64_t total = count();
        if (total == 0) return 0;
        const double rank = q * static_cast<double>(total);
        std::uint64_t below = 0;
        for (std::size_t i = 0; i < bounds_.size(); ++i) {
            const std::uint64_t c = counts_[i].load(std::memory_order_relaxed);
            if (c > 0 && static_cast<double>(below + c) >= rank) {
                const double lo = i == 0 ? 0.0 : bounds_[i - 1];
                const double frac = std::clamp((rank - static_cast<double>(below)) / static_cast<double>(c), 0.0, 1.0);
                return lo + (bounds_[i] - lo) * frac;
            }
            below += c;
        }
        return bounds_.empty() ? 0 : bounds_.back();
    }

    // Appends `# HELP`, `# TYPE` and the cumulative buckets, sum and count of `name`.
    void append_prometheus(std::string& out, std::string_view name, std::string_view help) const {
        const std::string n(name);
        out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " histogram\n";
        std::uint64_t total = 0;
        char buf[48];
        for (std::size_t i = 0; i < bounds_.size(); ++i) {
            total += counts_[i].load(std::memory_order_relaxed);
            std::snprintf(buf, sizeof buf, "%g", bounds_[i]);
            out += n + "_bucket{le=\"" + buf + "\"} " + std::to_string(total) + "\n";
        }
        total += counts_[bounds_.size()].load(std::memory_order_relaxed);
        out += n + "_bucket{le=\"+Inf\"} " + std::to_string(total) + "\n";
        std::snprintf(buf, sizeof buf, "%.6f", sum());
        out += n + "_sum " + buf + "\n" + n + "_count " + std::to_string(total) + "\n";
    }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<double> sum_{0};
};

}  // namespace kolabpad::server::metrics
