#include "history/retention.hpp"

#include <algorithm>
#include <set>

namespace kolabpad::server::history {

std::optional<RetentionPlan> plan_retention(LogBounds bounds, std::uint64_t first_recent,
                                            std::span<const std::uint64_t> keyframes,
                                            std::span<const std::uint64_t> versions) {
    first_recent = std::min(first_recent, bounds.head);
    std::optional<std::uint64_t> start;
    for (std::uint64_t k : keyframes) {
        if (k <= first_recent && k > bounds.start && (!start || k > *start)) start = k;
    }
    if (!start) return std::nullopt;
    RetentionPlan plan{*start, {}, {}};
    const std::set<std::uint64_t> stored(keyframes.begin(), keyframes.end());
    const std::set<std::uint64_t> named(versions.begin(), versions.end());
    for (std::uint64_t v : named) {
        if (v >= plan.start) break;
        plan.keep_keyframes.push_back(v);
        // A version at or below the old start had its keyframe kept by an earlier run, or never had one.
        if (!stored.count(v) && v >= bounds.start && v > 0) plan.materialize.push_back(v);  // revision 0 is always ""
    }
    return plan;
}

std::optional<std::int64_t> retention_cutoff_ms(std::uint64_t retention_days, std::int64_t now_ms) {
    if (retention_days == 0) return std::nullopt;
    return now_ms - static_cast<std::int64_t>(retention_days) * 86'400'000;
}

}  // namespace kolabpad::server::history
