#pragma once
// The retention job (HISTORY_RETENTION_DAYS, docs/history.md "Retention"): for each document with
// history older than the cutoff, the plan of history::plan_retention, the named versions' keyframes
// it lacks, and one DropHistory write. Blocking: run it off the network threads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/options.hpp"
#include "history/retention.hpp"
#include "kolabpad/ot/result.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::storage {

// The first kept revision whose operation was sequenced at or after `cutoff_ms` (bounds.head when
// none was), found by bisection over the kept log (sequencing times only grow). Reads O(log n) rows.
ot::Result<std::uint64_t> first_revision_since(history::Source& source, const std::string& document,
                                               history::LogBounds bounds, std::int64_t cutoff_ms);

// Applies retention to one document: reads, plans, builds the missing version keyframes (the
// document's texts are at most `max_code_points`), writes DropHistory and waits for its commit.
// The plan applied, nullopt when nothing was old enough to drop.
ot::Result<std::optional<history::RetentionPlan>> apply_retention(Storage& storage, const std::string& document,
                                                                  const history::HistoryOptions& options,
                                                                  std::uint64_t max_code_points, std::int64_t now_ms);

// The documents retention may have work for at `now_ms` (none when retention is off).
ot::Result<std::vector<std::string>> retention_candidates(Storage& storage, const history::HistoryOptions& options,
                                                          std::int64_t now_ms);

}  // namespace kolabpad::server::storage
