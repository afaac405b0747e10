// Document's history behaviour (docs/history.md): the authorship moved through every applied
// operation, the keyframe schedule, user-info records, named versions and restores. Nothing here
// reads storage under the lock: a restore's reads run on the job runner.
#include <chrono>

#include "document/document.hpp"
#include "history/version_name.hpp"
#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/utf8.hpp"
#include "log/log.hpp"

namespace kolabpad::server::document {
namespace {

std::int64_t unix_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Frame frame(std::string s) { return make_frame(std::move(s)); }

// The Rejected code for a restore whose reads failed.
const char* restore_failure_code(history::Failure::Code code) {
    switch (code) {
        case history::Failure::Code::gone: return "revision_gone";
        case history::Failure::Code::not_found: return "bad_revision";
        default: return "restore_failed";
    }
}

}  // namespace

ot::Result<bool> Document::load_history_state(const storage::DocumentRecord& rec) {
    const std::uint64_t length = ot::utf8::count(rec.snapshot_text);
    ot::Attribution a = ot::Attribution::uniform(length, ot::unknown_author);
    if (rec.snapshot_attribution) {
        auto parsed = ot::attribution_from_json(*rec.snapshot_attribution, length);
        if (parsed) {
            a = std::move(parsed).value();
        } else {
            // Authorship is not worth refusing the document for: its text stays, its authors become unknown.
            log::warn("stored attribution is invalid; its authors are unknown",
                      {{"document", id_}, {"revision", std::to_string(rec.snapshot_revision)}, {"error", parsed.error()}});
        }
    }
    history::KeyframeSchedule schedule(limits_.history.keyframes, rec.snapshot_revision);
    for (const storage::OpRecord& r : rec.ops) {
        if (r.revision < rec.snapshot_revision) continue;
        auto op = ot::from_json(r.operation_json);  // create() has checked that it parses and applies
        if (!op) return ot::Error{"document " + id_ + ": stored operation is invalid: " + op.error()};
        auto moved = ot::apply(*op, a, r.author);
        if (!moved) return ot::Error{"document " + id_ + ": operation " + std::to_string(r.revision) + ": " + moved.error()};
        a = std::move(moved).value();
        schedule.note(r.revision + 1, r.operation_json.size());
    }
    attribution_ = std::move(a);
    keyframes_ = schedule;
    return true;
}

bool Document::note_applied_locked(const ot::Operation& op, std::uint64_t user, storage::OpRecord& rec) {
    auto moved = ot::apply(op, attribution_, user);
    if (moved) {
        attribution_ = std::move(moved).value();
    } else {
        // Cannot happen (the attribution always covers text_); never let authorship break an edit.
        log::error("attribution out of step with the text", {{"document", id_}, {"error", moved.error()}});
        attribution_ = ot::Attribution::uniform(op.target_len(), ot::unknown_author);
    }
    const history::Change c = history::change_of(op);
    rec.inserted = c.inserted;
    rec.deleted = c.deleted;
    return keyframes_.note(rec.revision + 1, rec.operation_json.size());
}

storage::WriteDone Document::broken_if_lost() {
    return [self = weak_from_this()](bool ok) {
        if (ok) return;
        if (auto d = self.lock()) {
            std::function<void()> notify;
            {
                std::lock_guard lock(d->mu_);
                d->fail_storage_locked(notify);
            }
            if (notify) notify();
        }
    };
}

void Document::record_user_info_locked(std::uint64_t user, User& u) {
    if (broken_ || !u.info) return;
    if (u.recorded_info && u.recorded_info->name == u.info->name && u.recorded_info->hue == u.info->hue) return;
    u.recorded_info = u.info;
    storage_->submit(storage::PutUserInfo{id_, history::UserInfoRecord{user, revision_locked(), unix_ms(), u.info->name,
                                                                       u.info->hue}},
                     generation_, broken_if_lost(), storage::Commit::within_window);
}

void Document::reject_locked(std::uint64_t user, std::string_view code, const std::string& message) {
    if (auto it = users_.find(user); it != users_.end()) {
        it->second.peer->deliver(frame(protocol::rejected(std::nullopt, code, message)));
    }
}

void Document::save_version(std::uint64_t user, std::string name) {
    std::lock_guard lock(mu_);
    if (broken_ || evicted_ || !users_.count(user)) return;
    if (auto problem = history::version_name_problem(name, limits_.history.version_name_max)) {
        reject_locked(user, "bad_version_name", *problem);
        return;
    }
    // The version's keyframe (none is written when one is stored at this revision already).
    save_snapshot_locked();
    history::VersionRecord v{revision_locked(), std::move(name), user, unix_ms()};
    record("version", user, std::to_string(v.revision));
    storage_->submit(storage::PutVersion{id_, v}, generation_, [self = weak_from_this(), v](bool ok) {
        if (auto d = self.lock()) d->on_version_committed(ok, v);
    });
}

void Document::on_version_committed(bool ok, const history::VersionRecord& v) {
    std::function<void()> notify;
    {
        std::lock_guard lock(mu_);
        if (!ok) {
            fail_storage_locked(notify);
        } else if (!broken_) {
            broadcast_committed_locked();  // the History of every edit the version names goes first
            broadcast_locked(frame(protocol::version(v.revision, v.name, v.user, v.time_ms)));
        }
    }
    if (notify) notify();
}

void Document::set_job_runner(JobRunner runner) {
    std::lock_guard lock(mu_);
    jobs_ = std::move(runner);
}

void Document::restore(std::uint64_t user, std::uint64_t revision) {
    JobRunner jobs;
    {
        std::lock_guard lock(mu_);
        auto it = users_.find(user);
        if (broken_ || evicted_ || stopping_ || it == users_.end()) return;
        if (it->second.restore_pending) {
            reject_locked(user, "restore_pending", "your previous restore is still being applied");
            return;
        }
        // A client has seen only acknowledged revisions: everything up to sent_ is in storage.
        if (revision > sent_) {
            reject_locked(user, "bad_revision",
                          "revision " + std::to_string(revision) + " is past the document's revision " + std::to_string(sent_));
            return;
        }
        if (!jobs_ || !storage_->history()) {
            reject_locked(user, "restore_failed", "this server keeps no history to restore from");
            return;
        }
        it->second.restore_pending = true;
        jobs = jobs_;
    }
    const bool posted = jobs([self = weak_from_this(), user, revision] {
        auto d = self.lock();
        if (!d) return;
        history::History h(*d->storage_->history(), d->limits_.history, d->limits_.max_code_points);
        d->finish_restore(user, revision, h.restore(d->id_, revision));
    });
    if (!posted) {
        std::lock_guard lock(mu_);
        if (auto it = users_.find(user); it != users_.end()) it->second.restore_pending = false;
        reject_locked(user, "restore_failed", "the server is shutting down");
    }
}

void Document::finish_restore(std::uint64_t user, std::uint64_t revision, history::Answer<history::RestorePlan> plan) {
    auto done = [&](const char* code, const std::string& message) {
        std::lock_guard lock(mu_);
        if (auto it = users_.find(user); it != users_.end()) it->second.restore_pending = false;
        if (code) reject_locked(user, code, message);
    };
    if (!plan) {
        const history::Failure& f = plan.failure();
        if (f.code == history::Failure::Code::corrupt || f.code == history::Failure::Code::unavailable) {
            log::error("restore failed", {{"document", id_}, {"revision", std::to_string(revision)}, {"error", f.message}});
        }
        return done(restore_failure_code(f.code), f.message);
    }
    protocol::Edit e{plan->revision, std::move(plan->op.operation), std::string(protocol::restore_client), std::nullopt};
    const EditResult r = sequence(user, std::move(e), revision);
    switch (r.status) {
        case EditStatus::applied:
            record("restore", user, std::to_string(revision));
            return done(nullptr, {});
        case EditStatus::bad_revision:
        case EditStatus::bad_operation:
            // The in-memory log moved past the head the restore was computed against (or a bug).
            return done("restore_failed", "the document changed too much meanwhile; try again (" + r.message + ")");
        default:
            return done(nullptr, {});  // rejected (answered by sequence), or the document is closing
    }
}

}  // namespace kolabpad::server::document
