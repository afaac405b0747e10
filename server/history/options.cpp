#include "history/options.hpp"

namespace kolabpad::server::history {
namespace {

// Reads an unsigned integer in [min, max] (digits only) into `out`; unset leaves `out` alone.
std::optional<ot::Error> read_uint(const HistoryEnv& env, std::string_view name, std::uint64_t min, std::uint64_t max,
                                   std::uint64_t& out) {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    const auto bad = [&] {
        return ot::Error{std::string(name) + ": expected an integer from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got \"" + *v + "\""};
    };
    if (v->size() > 19) return bad();
    std::uint64_t n = 0;
    for (char c : *v) {
        if (c < '0' || c > '9') return bad();
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n < min || n > max) return bad();
    out = n;
    return std::nullopt;
}

}  // namespace

ot::Result<HistoryOptions> parse_history_options(const HistoryEnv& env) {
    HistoryOptions o;
    std::uint64_t keyframe_kb = o.keyframes.every_bytes / 1024;
    std::uint64_t pause_minutes = static_cast<std::uint64_t>(o.session_pause_ms / 60'000);
    if (auto e = read_uint(env, "HISTORY_KEYFRAME_OPS", 1, 100'000, o.keyframes.every_ops)) return *e;
    if (auto e = read_uint(env, "HISTORY_KEYFRAME_KB", 1, 1024 * 1024, keyframe_kb)) return *e;
    if (auto e = read_uint(env, "HISTORY_RETENTION_DAYS", 0, 36'500, o.retention_days)) return *e;
    if (auto e = read_uint(env, "HISTORY_SESSION_PAUSE_MINUTES", 1, 7 * 24 * 60, pause_minutes)) return *e;
    if (auto e = read_uint(env, "HISTORY_PAGE_MAX", 1, 1000, o.page_limit_max)) return *e;
    if (auto e = read_uint(env, "HISTORY_DIFF_MAX_OPS", 1, 10'000'000, o.diff_max_ops)) return *e;
    if (auto e = read_uint(env, "HISTORY_TEXT_DIFF_MAX_STEPS", 1000, 10'000'000'000, o.text_diff_max_steps)) return *e;
    if (auto e = read_uint(env, "HISTORY_VERSION_NAME_MAX", 1, 1000, o.version_name_max)) return *e;
    o.keyframes.every_bytes = keyframe_kb * 1024;
    o.session_pause_ms = static_cast<std::int64_t>(pause_minutes) * 60'000;
    return o;
}

}  // namespace kolabpad::server::history
