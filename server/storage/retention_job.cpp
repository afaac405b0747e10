#include "storage/retention_job.hpp"

#include <future>

#include "history/history.hpp"
#include "history/retention_reads.hpp"
#include "log/log.hpp"

namespace kolabpad::server::storage {

ot::Result<std::uint64_t> first_revision_since(history::Source& source, const std::string& document,
                                               history::LogBounds bounds, std::int64_t cutoff_ms) {
    std::uint64_t lo = bounds.start, hi = bounds.head;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        auto row = source.operations(document, mid, mid + 1);
        if (!row) return ot::Error{row.error()};
        if (row->size() != 1) return ot::Error{"operation " + std::to_string(mid) + " is missing"};
        if (row->front().time_ms >= cutoff_ms) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

ot::Result<std::optional<history::RetentionPlan>> apply_retention(Storage& storage, const std::string& document,
                                                                  const history::HistoryOptions& options,
                                                                  std::uint64_t max_code_points, std::int64_t now_ms) {
    using Plan = std::optional<history::RetentionPlan>;
    history::Source* source = storage.history();
    history::RetentionReads* reads = storage.retention();
    const auto cutoff = history::retention_cutoff_ms(options.retention_days, now_ms);
    if (!source || !reads || !cutoff) return Plan{};
    auto bounds = source->bounds(document);
    if (!bounds) return ot::Error{bounds.error()};
    auto first_recent = first_revision_since(*source, document, *bounds, *cutoff);
    if (!first_recent) return ot::Error{first_recent.error()};
    auto keyframes = reads->keyframe_revisions(document);
    if (!keyframes) return ot::Error{keyframes.error()};
    auto versions = source->versions(document, 0, bounds->head + 1);
    if (!versions) return ot::Error{versions.error()};
    std::vector<std::uint64_t> named;
    for (const history::VersionRecord& v : *versions) named.push_back(v.revision);
    auto plan = history::plan_retention(*bounds, *first_recent, *keyframes, named);
    if (!plan) return Plan{};
    DropHistory drop{document, plan->start, {}};
    history::History h(*source, options, max_code_points);
    for (std::uint64_t r : plan->materialize) {
        auto k = h.text_at(document, r);
        if (!k) return ot::Error{"keyframe for version " + std::to_string(r) + ": " + k.failure().message};
        drop.materialize.push_back(history::keyframe_record(*k));
    }
    std::promise<bool> done;
    auto committed = done.get_future();
    // Generation 0: no document instance has it, so a failed retention write never breaks a document.
    storage.submit(std::move(drop), 0, [&done](bool ok) { done.set_value(ok); });
    if (!committed.get()) return ot::Error{"the retention write failed"};
    log::info("history retention", {{"document", document}, {"first_revision", std::to_string(plan->start)},
                                    {"versions_kept", std::to_string(plan->keep_keyframes.size())}});
    return plan;
}

ot::Result<std::vector<std::string>> retention_candidates(Storage& storage, const history::HistoryOptions& options,
                                                          std::int64_t now_ms) {
    const auto cutoff = history::retention_cutoff_ms(options.retention_days, now_ms);
    history::RetentionReads* reads = storage.retention();
    if (!cutoff || !reads) return std::vector<std::string>{};
    return reads->documents_before(*cutoff);
}

}  // namespace kolabpad::server::storage
