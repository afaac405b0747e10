#pragma once
// RetentionRunner: passes of the retention job (HISTORY_RETENTION_DAYS) on the loader threads, one
// document per job, so that a pass never holds a loader thread for longer than one document.

#include <atomic>
#include <cstdint>
#include <memory>

#include "document/document.hpp"
#include "history/options.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::document {

// Runs retention passes; thread-safe. `storage` must outlive the jobs (it does: the registry stops
// its loader threads before storage closes).
class RetentionRunner {
public:
    RetentionRunner(storage::Storage& storage, JobRunner jobs, history::HistoryOptions options,
                    std::uint64_t max_code_points);

    // Starts a pass at `now_ms` (unix ms) unless retention is off or a pass is still running; true
    // when one was started.
    bool start(std::int64_t now_ms);
    // Passes finished so far (for tests and logs).
    std::uint64_t passes() const;
    // Documents whose history a pass has cut so far.
    std::uint64_t documents_cut() const;

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace kolabpad::server::document
