#include "history/memory_source.hpp"

#include <algorithm>

namespace kolabpad::server::history {

ot::Result<bool> MemorySource::append(const std::string& document, StoredOp op) {
    auto parsed = parse_op(op);
    if (!parsed) return ot::Error{parsed.error()};
    std::lock_guard lock(mu_);
    MemoryDocument& d = docs_[document];
    op.revision = d.start + d.ops.size();
    parsed->revision = op.revision;
    d.summaries.push_back(summarize(*parsed));
    d.ops.push_back(std::move(op));
    return true;
}

void MemorySource::put_keyframe(const std::string& document, KeyframeRecord k) {
    std::lock_guard lock(mu_);
    docs_[document].keyframes[k.revision] = std::move(k);
}

void MemorySource::put_version(const std::string& document, VersionRecord v) {
    std::lock_guard lock(mu_);
    docs_[document].versions[v.revision] = std::move(v);
}

void MemorySource::put_user_info(const std::string& document, UserInfoRecord u) {
    std::lock_guard lock(mu_);
    auto& list = docs_[document].user_infos;
    auto same = std::find_if(list.begin(), list.end(),
                             [&](const UserInfoRecord& r) { return r.user == u.user && r.revision == u.revision; });
    if (same != list.end()) *same = std::move(u);
    else list.push_back(std::move(u));
}

void MemorySource::drop_before(const std::string& document, std::uint64_t start, const std::vector<std::uint64_t>& keep) {
    std::lock_guard lock(mu_);
    MemoryDocument& d = docs_[document];
    if (start <= d.start) return;
    const auto n = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(start - d.start, d.ops.size()));
    d.ops.erase(d.ops.begin(), d.ops.begin() + n);
    d.summaries.erase(d.summaries.begin(), d.summaries.begin() + n);
    std::erase_if(d.keyframes, [&](const auto& kv) {
        return kv.first < start && std::find(keep.begin(), keep.end(), kv.first) == keep.end();
    });
    d.start = start;
}

MemoryDocument& MemorySource::document(const std::string& document) {
    std::lock_guard lock(mu_);
    return docs_[document];
}

ot::Result<LogBounds> MemorySource::bounds(const std::string& document) {
    std::lock_guard lock(mu_);
    auto it = docs_.find(document);
    if (it == docs_.end()) return LogBounds{};
    return LogBounds{it->second.start, it->second.start + it->second.ops.size()};
}

ot::Result<std::optional<KeyframeRecord>> MemorySource::keyframe_at_or_before(const std::string& document,
                                                                              std::uint64_t revision) {
    std::lock_guard lock(mu_);
    auto it = docs_.find(document);
    if (it == docs_.end()) return std::optional<KeyframeRecord>{};
    auto k = it->second.keyframes.upper_bound(revision);
    if (k == it->second.keyframes.begin()) return std::optional<KeyframeRecord>{};
    return std::optional<KeyframeRecord>(std::prev(k)->second);
}

template <class T>
std::vector<T> MemorySource::range(const std::vector<T>& rows, std::uint64_t start, std::uint64_t from, std::uint64_t to) {
    from = std::max(from, start);
    to = std::min<std::uint64_t>(to, start + rows.size());
    if (from >= to) return {};
    rows_read_ += to - from;
    return std::vector<T>(rows.begin() + static_cast<std::ptrdiff_t>(from - start),
                          rows.begin() + static_cast<std::ptrdiff_t>(to - start));
}

ot::Result<std::vector<StoredOp>> MemorySource::operations(const std::string& document, std::uint64_t from,
                                                           std::uint64_t to) {
    std::lock_guard lock(mu_);
    auto it = docs_.find(document);
    if (it == docs_.end()) return std::vector<StoredOp>{};
    return range(it->second.ops, it->second.start, from, to);
}

ot::Result<std::vector<OpSummary>> MemorySource::summaries(const std::string& document, std::uint64_t from,
                                                           std::uint64_t to) {
    std::lock_guard lock(mu_);
    auto it = docs_.find(document);
    if (it == docs_.end()) return std::vector<OpSummary>{};
    return range(it->second.summaries, it->second.start, from, to);
}

ot::Result<std::vector<VersionRecord>> MemorySource::versions(const std::string& document, std::uint64_t from,
                                                              std::uint64_t to) {
    std::lock_guard lock(mu_);
    std::vector<VersionRecord> out;
    auto it = docs_.find(document);
    if (it == docs_.end()) return out;
    for (auto v = it->second.versions.lower_bound(from); v != it->second.versions.end() && v->first < to; ++v) {
        out.push_back(v->second);
    }
    return out;
}

ot::Result<std::vector<UserInfoRecord>> MemorySource::user_infos(const std::string& document,
                                                                 std::span<const std::uint64_t> users) {
    std::lock_guard lock(mu_);
    std::vector<UserInfoRecord> out;
    auto it = docs_.find(document);
    if (it == docs_.end()) return out;
    for (const UserInfoRecord& r : it->second.user_infos) {
        if (std::find(users.begin(), users.end(), r.user) != users.end()) out.push_back(r);
    }
    return out;
}

std::uint64_t MemorySource::rows_read() const {
    std::lock_guard lock(mu_);
    return rows_read_;
}

}  // namespace kolabpad::server::history
