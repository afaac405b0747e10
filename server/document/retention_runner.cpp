#include "document/retention_runner.hpp"

#include <string>
#include <vector>

#include "log/log.hpp"
#include "storage/retention_job.hpp"

namespace kolabpad::server::document {

struct RetentionRunner::State : std::enable_shared_from_this<State> {
    State(storage::Storage& s, JobRunner j, history::HistoryOptions o, std::uint64_t max)
        : storage(s), jobs(std::move(j)), options(o), max_code_points(max) {}

    storage::Storage& storage;
    const JobRunner jobs;
    const history::HistoryOptions options;
    const std::uint64_t max_code_points;
    std::atomic<bool> running{false};
    std::atomic<std::uint64_t> passes{0};
    std::atomic<std::uint64_t> cut{0};

    // One job: the list of candidates, then one job per document, each posting the next.
    void list(std::int64_t now_ms) {
        auto docs = storage::retention_candidates(storage, options, now_ms);
        if (!docs) {
            log::error("history retention: cannot list documents", {{"error", docs.error()}});
            return finish();
        }
        next(std::make_shared<std::vector<std::string>>(std::move(docs).value()), 0, now_ms);
    }
    void next(std::shared_ptr<std::vector<std::string>> docs, std::size_t i, std::int64_t now_ms) {
        if (i >= docs->size()) return finish();
        const bool posted = jobs([self = shared_from_this(), docs, i, now_ms] {
            auto r = storage::apply_retention(self->storage, (*docs)[i], self->options, self->max_code_points, now_ms);
            if (!r) log::error("history retention failed", {{"document", (*docs)[i]}, {"error", r.error()}});
            else if (*r) self->cut.fetch_add(1);
            self->next(docs, i + 1, now_ms);
        });
        if (!posted) running = false;  // shutting down: the rest waits for the next start
    }
    void finish() {
        passes.fetch_add(1);
        running = false;
    }
};

RetentionRunner::RetentionRunner(storage::Storage& storage, JobRunner jobs, history::HistoryOptions options,
                                 std::uint64_t max_code_points)
    : state_(std::make_shared<State>(storage, std::move(jobs), options, max_code_points)) {}

bool RetentionRunner::start(std::int64_t now_ms) {
    if (state_->options.retention_days == 0 || state_->running.exchange(true)) return false;
    if (!state_->jobs([s = state_, now_ms] { s->list(now_ms); })) {
        state_->running = false;
        return false;
    }
    return true;
}

std::uint64_t RetentionRunner::passes() const { return state_->passes.load(); }

std::uint64_t RetentionRunner::documents_cut() const { return state_->cut.load(); }

}  // namespace kolabpad::server::document
