#include "history/sessions.hpp"

#include <algorithm>
#include <map>

namespace kolabpad::server::history {
namespace {

// A session being summed up, one operation at a time (in any order).
class Tally {
public:
    void add(const OpSummary& op) {
        if (s_.operations == 0 || op.time_ms < s_.start_time_ms) s_.start_time_ms = op.time_ms;
        if (s_.operations == 0 || op.time_ms > s_.end_time_ms) s_.end_time_ms = op.time_ms;
        ++s_.operations;
        s_.inserted += op.inserted;
        s_.deleted += op.deleted;
        auto it = std::lower_bound(s_.authors.begin(), s_.authors.end(), op.author,
                                   [](const SessionAuthor& a, std::uint64_t u) { return a.user < u; });
        if (it == s_.authors.end() || it->user != op.author) it = s_.authors.insert(it, SessionAuthor{op.author});
        ++it->operations;
        it->inserted += op.inserted;
        it->deleted += op.deleted;
        it->last_revision = std::max(it->last_revision, op.revision);
    }
    Session finish(std::uint64_t start, std::uint64_t end, const std::map<std::uint64_t, VersionRecord>& versions) {
        Session s = std::move(s_);
        s_ = Session{};
        s.start = start;
        s.end = end;
        if (auto v = versions.find(end); v != versions.end()) s.version = v->second;
        return s;
    }

private:
    Session s_;
};

Session version_only(const VersionRecord& v) {
    Session s;
    s.start = s.end = v.revision;
    s.start_time_ms = s.end_time_ms = v.time_ms;
    s.version = v;
    return s;
}

bool paused(const OpSummary& before, const OpSummary& after, std::int64_t pause_ms) {
    return after.time_ms - before.time_ms > pause_ms;
}

// The summaries of a window [lo, hi) of the log and the versions in it, widened downwards on demand.
class Window {
public:
    Window(Source& source, const std::string& document, LogBounds bounds, std::uint64_t chunk)
        : source_(source), document_(document), bounds_(bounds), chunk_(std::max<std::uint64_t>(chunk, 1)) {}

    // Starts the window just above revision `top` (the operation at top included when kept).
    ot::Result<bool> open(std::uint64_t top) {
        lo_ = hi_ = std::min(top + 1, bounds_.head);
        auto v = source_.versions(document_, hi_, top + 1);  // a version at head lies above every operation
        if (!v) return ot::Error{v.error()};
        for (VersionRecord& r : *v) versions_[r.revision] = std::move(r);
        return true;
    }
    // The summary of operation r (bounds.start <= r < hi).
    ot::Result<const OpSummary*> at(std::uint64_t r) {
        while (r < lo_) {
            const std::uint64_t from = lo_ - std::min(chunk_, lo_ - bounds_.start);
            auto s = source_.summaries(document_, from, lo_);
            if (!s) return ot::Error{s.error()};
            if (s->size() != lo_ - from) {
                return ot::Error{"operations " + std::to_string(from) + " to " + std::to_string(lo_) + " are incomplete"};
            }
            auto v = source_.versions(document_, from, lo_);
            if (!v) return ot::Error{v.error()};
            for (VersionRecord& x : *v) versions_[x.revision] = std::move(x);
            ops_.insert(ops_.begin(), s->begin(), s->end());
            lo_ = from;
        }
        const OpSummary* op = &ops_[r - lo_];
        if (op->revision != r) return ot::Error{"operation " + std::to_string(r) + " is missing"};
        return op;
    }
    // True when a session ends at revision r (bounds.start < r <= bounds.head).
    ot::Result<bool> boundary(std::uint64_t r, std::int64_t pause_ms) {
        if (r == bounds_.head) return true;
        auto a = at(r - 1);  // loads the versions down to r - 1 as well
        if (!a) return ot::Error{a.error()};
        if (versions_.count(r)) return true;
        auto b = at(r);
        if (!b) return ot::Error{b.error()};
        return paused(**a, **b, pause_ms);
    }
    const std::map<std::uint64_t, VersionRecord>& versions() const { return versions_; }

private:
    Source& source_;
    const std::string& document_;
    const LogBounds bounds_;
    const std::uint64_t chunk_;
    std::uint64_t lo_ = 0, hi_ = 0;
    std::vector<OpSummary> ops_;  // [lo_, hi_)
    std::map<std::uint64_t, VersionRecord> versions_;
};

}  // namespace

ot::Result<std::vector<Session>> group_sessions(std::span<const OpSummary> ops, std::span<const VersionRecord> versions,
                                                LogBounds bounds, std::int64_t pause_ms) {
    if (ops.size() != bounds.head - bounds.start) return ot::Error{"the summaries do not cover the log"};
    std::map<std::uint64_t, VersionRecord> named;
    for (const VersionRecord& v : versions) {
        if (v.revision <= bounds.head) named[v.revision] = v;
    }
    std::vector<Session> out;
    for (const auto& [revision, v] : named) {
        if (revision <= bounds.start) out.push_back(version_only(v));
    }
    Tally tally;
    std::uint64_t start = bounds.start;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const std::uint64_t r = bounds.start + i;
        if (ops[i].revision != r) return ot::Error{"operation " + std::to_string(r) + " is missing"};
        if (r > start && (named.count(r) || paused(ops[i - 1], ops[i], pause_ms))) {
            out.push_back(tally.finish(start, r, named));
            start = r;
        }
        tally.add(ops[i]);
    }
    if (!ops.empty()) out.push_back(tally.finish(start, bounds.head, named));
    return out;
}

ot::Result<SessionPage> page_sessions(Source& source, const std::string& document, LogBounds bounds,
                                      std::optional<std::uint64_t> before, std::uint64_t limit, std::int64_t pause_ms,
                                      std::uint64_t chunk) {
    SessionPage page;
    if (limit == 0) return page;
    const std::uint64_t below = std::min(before.value_or(bounds.head + 1), bounds.head + 1);
    if (below == 0) return page;
    Window w(source, document, bounds, chunk);
    // The newest session end below `below`: the first boundary walking down from below - 1.
    std::uint64_t end = below - 1;
    if (end > bounds.start) {
        if (auto ok = w.open(end); !ok) return ot::Error{ok.error()};
        for (;; --end) {
            if (end == bounds.start) break;
            auto b = w.boundary(end, pause_ms);
            if (!b) return ot::Error{b.error()};
            if (*b) break;
        }
    }
    while (end > bounds.start && page.sessions.size() < limit) {
        Tally tally;
        std::uint64_t start = end;
        for (;;) {
            auto op = w.at(start - 1);
            if (!op) return ot::Error{op.error()};
            tally.add(**op);
            --start;
            if (start == bounds.start) break;
            auto b = w.boundary(start, pause_ms);
            if (!b) return ot::Error{b.error()};
            if (*b) break;
        }
        page.sessions.push_back(tally.finish(start, end, w.versions()));
        end = start;
    }
    // Versions at or before the first kept revision end no kept session: they come last, alone.
    std::vector<VersionRecord> early;
    if (page.sessions.size() < limit || end == bounds.start) {
        auto v = source.versions(document, 0, std::min(bounds.start, below - 1) + 1);
        if (!v) return ot::Error{v.error()};
        early = std::move(v).value();
    }
    std::size_t left = early.size();
    while (left > 0 && page.sessions.size() < limit) page.sessions.push_back(version_only(early[--left]));
    if (!page.sessions.empty()) {
        const Session& oldest = page.sessions.back();
        const bool more = oldest.start < oldest.end ? (oldest.start > bounds.start || !early.empty()) : left > 0;
        if (more) page.next_before = oldest.start < oldest.end ? oldest.start + 1 : oldest.end;
    }
    return page;
}

}  // namespace kolabpad::server::history
