#include "document/document.hpp"

#include <algorithm>
#include <random>

#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/utf8.hpp"
#include "log/log.hpp"
#include "protocol/client_tag.hpp"

namespace kolabpad::server::document {
namespace {


Frame frame(std::string s) { return make_frame(std::move(s)); }

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A new access token: 24 URL-safe characters (144 random bits).
std::string make_token() {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::random_device rd;
    std::string t;
    for (int i = 0; i < 24; ++i) t += alphabet[rd() % 64];
    return t;
}

}  // namespace

Document::Document(std::string id, Limits limits, storage::Storage* storage, std::uint64_t generation,
                   Telemetry* telemetry)
    : id_(std::move(id)),
      limits_(limits),
      storage_(storage),
      generation_(generation),
      telemetry_(telemetry),
      keyframes_(limits.history.keyframes) {}

void Document::record(const char* kind, std::optional<std::uint64_t> user, std::string detail) const {
    if (telemetry_) telemetry_->events.record(kind, id_, user, std::move(detail));
}

ot::Result<std::shared_ptr<Document>> Document::create(std::string id, const storage::DocumentRecord& rec,
                                                       Limits limits, storage::Storage* storage,
                                                       std::uint64_t generation, Telemetry* telemetry) {
    std::shared_ptr<Document> d(new Document(std::move(id), limits, storage, generation, telemetry));
    d->language_ = rec.language;
    d->announced_language_ = rec.language;
    d->otp_ = rec.otp;
    d->view_token_ = rec.view_token;
    d->next_user_id_ = rec.next_user_id;
    const bool from_zero = rec.ops.empty() ? rec.snapshot_revision == 0 : rec.ops.front().revision == 0;
    // Keep in memory every stored operation: from 0 (a Rustpad client then gets History from 0) or
    // from the earliest snapshot; text_ comes from the latest snapshot plus the operations after it.
    if (from_zero) {
        d->log_start_ = 0;
    } else if (!rec.ops.empty() && rec.ops.front().revision <= rec.base_revision) {
        d->log_start_ = rec.base_revision;
        d->base_text_ = rec.base_text;
    } else {
        d->log_start_ = rec.snapshot_revision;
        d->base_text_ = rec.snapshot_text;
    }
    d->text_ = rec.snapshot_text;
    d->snapshot_revision_ = rec.snapshot_revision;
    std::uint64_t expected = d->log_start_;
    for (const storage::OpRecord& r : rec.ops) {
        d->next_user_id_ = std::max(d->next_user_id_, r.author + 1);
        if (r.revision < d->log_start_) continue;
        if (r.revision != expected) {
            return ot::Error{"document " + d->id_ + ": operation " + std::to_string(expected) + " is missing"};
        }
        auto op = ot::from_json(r.operation_json);
        if (!op) return ot::Error{"document " + d->id_ + ": stored operation is invalid: " + op.error()};
        if (r.revision >= rec.snapshot_revision) {
            auto t = ot::apply(op.value(), d->text_);
            if (!t) return ot::Error{"document " + d->id_ + ": stored operation does not apply: " + t.error()};
            d->text_ = std::move(t).value();
        }
        d->entries_.push_back(protocol::history_entry(r.author, op.value(), r.client, r.seq, r.restore));
        d->entries_bytes_ += d->entries_.back().size();
        d->ops_.push_back(std::move(op).value());
        if (r.client && r.seq) d->dedup_[*r.client] = ClientSeq{*r.seq, r.revision};
        ++expected;
    }
    if (expected < rec.snapshot_revision) {
        return ot::Error{"document " + d->id_ + ": log ends before its snapshot"};
    }
    d->text_len_ = ot::utf8::count(d->text_);
    if (auto h = d->load_history_state(rec); !h) return ot::Error{h.error()};
    d->sent_ = d->revision_locked();
    d->committed_ = d->sent_;
    return d;
}

ot::Result<std::uint64_t> Document::join(std::shared_ptr<Peer> peer, std::optional<std::uint64_t> resume) {
    std::lock_guard lock(mu_);
    if (broken_) return ot::Error{"storage_failure"};
    if (evicted_) return ot::Error{"evicted"};
    return join_locked(next_user_id_++, std::move(peer), resume);
}

ot::Result<std::uint64_t> Document::join_as(std::uint64_t user, std::shared_ptr<Peer> peer,
                                            std::optional<std::uint64_t> resume) {
    std::lock_guard lock(mu_);
    if (broken_) return ot::Error{"storage_failure"};
    if (evicted_) return ot::Error{"evicted"};
    return join_locked(user, std::move(peer), resume);
}

ot::Result<std::uint64_t> Document::join_locked(std::uint64_t id, std::shared_ptr<Peer> peer,
                                                std::optional<std::uint64_t> resume) {
    peer->deliver(frame(protocol::identity(id)));
    if (resume && *resume > sent_) return ot::Error{"bad_revision"};
    std::uint64_t from = resume.value_or(0);
    if (from < log_start_) {
        peer->deliver(frame(protocol::snapshot(log_start_, base_text_)));
        from = log_start_;
    }
    if (from < sent_) {
        std::vector<const std::string*> list;
        for (std::uint64_t r = from; r < sent_; ++r) list.push_back(&entries_[r - log_start_]);
        peer->deliver_history(frame(protocol::history(from, list)), from, sent_ - from, false);
    }
    if (announced_language_) peer->deliver(frame(protocol::language(*announced_language_)));
    for (const auto& [uid, u] : users_) {
        if (u.info && uid != id) peer->deliver(frame(protocol::user_info(uid, u.info)));
    }
    for (const auto& [uid, u] : users_) {
        if (u.cursor && uid != id) peer->deliver(frame(protocol::user_cursor(uid, *u.cursor)));
    }
    const bool simulated = peer->simulated();
    users_[id].peer = std::move(peer);
    if (resume && telemetry_) telemetry_->metrics.resumes.fetch_add(1, std::memory_order_relaxed);
    record("join", id, simulated ? "simulated" : resume ? "resume" : "");
    return id;
}

void Document::leave(std::uint64_t user) {
    std::lock_guard lock(mu_);
    if (users_.erase(user) == 0) return;
    record("leave", user);
    broadcast_locked(frame(protocol::user_info(user, std::nullopt)));
    if (users_.empty()) {
        last_left_ = Clock::now();
        save_snapshot_locked();
    }
}

EditResult Document::edit(std::uint64_t user, protocol::Edit e) {
    // The secret client id never goes further than this: de-duplication, History and storage see its tag.
    if (e.client) e.client = protocol::client_tag(*e.client);
    return sequence(user, std::move(e), std::nullopt);
}

EditResult Document::sequence(std::uint64_t user, protocol::Edit e, std::optional<std::uint64_t> restore) {
    std::lock_guard lock(mu_);
    if (broken_) return {EditStatus::storage_failure, "the document could not be stored"};
    if (evicted_) return {EditStatus::closed, "the document was evicted"};
    if (stopping_) return {EditStatus::shutting_down, "the server is shutting down"};
    const std::uint64_t revision = revision_locked();
    if (e.revision > revision) {
        return {EditStatus::bad_revision,
                "revision " + std::to_string(e.revision) + " is ahead of the document (" + std::to_string(revision) + ")"};
    }
    if (e.revision < log_start_) {
        return {EditStatus::bad_revision, "revision " + std::to_string(e.revision) +
                                              " is older than the kept history; reconnect to resume"};
    }
    if (e.client && e.seq) {
        auto it = dedup_.find(*e.client);
        if (it != dedup_.end()) {
            if (*e.seq <= it->second.seq) return {EditStatus::duplicate, ""};
            if (*e.seq - it->second.seq > limits_.edit_seq_max_gap) {
                return {EditStatus::bad_seq, "seq " + std::to_string(*e.seq) + " jumps more than " +
                                                 std::to_string(limits_.edit_seq_max_gap) + " past the last one (" +
                                                 std::to_string(it->second.seq) + ")"};
            }
        }
    }
    const auto first = ops_.begin() + static_cast<std::ptrdiff_t>(e.revision - log_start_);
    auto transformed = ot::transform_over(std::move(e.operation), std::span<const ot::Operation>(first, ops_.end()));
    if (!transformed) return {EditStatus::bad_operation, transformed.error()};
    ot::Operation op = std::move(transformed).value();
    if (op.base_len() != text_len_) {
        return {EditStatus::bad_operation, "operation applies to " + std::to_string(op.base_len()) +
                                               " characters but the document has " + std::to_string(text_len_)};
    }
    if (op.target_len() > limits_.max_code_points) {
        auto it = users_.find(user);
        if (it != users_.end()) {
            it->second.peer->deliver(frame(protocol::rejected(
                e.seq, "document_too_large",
                "the document would have " + std::to_string(op.target_len()) + " characters; the limit is " +
                    std::to_string(limits_.max_code_points))));
        }
        return {EditStatus::rejected, "document_too_large"};
    }
    auto applied = ot::apply(op, text_);
    if (!applied) return {EditStatus::bad_operation, applied.error()};
    text_ = std::move(applied).value();
    text_len_ = op.target_len();
    for (auto& [uid, u] : users_) {
        for (auto* c : {&u.cursor, &u.held}) {
            if (!*c) continue;
            for (auto& p : (*c)->cursors) p = ot::transform_index(op, p);
            for (auto& [a, b] : (*c)->selections) {
                a = ot::transform_index(op, a);
                b = ot::transform_index(op, b);
            }
        }
    }
    storage::OpRecord rec;
    rec.revision = revision;
    rec.operation_json = ot::to_json(op);
    rec.client = e.client;
    rec.seq = e.seq;
    rec.author = user;
    rec.time_ms = now_ms();
    rec.restore = restore;
    const bool keyframe_due = note_applied_locked(op, user, rec);
    const auto now = Clock::now();
    entries_.push_back(protocol::history_entry(user, op, e.client, e.seq, restore));
    entries_bytes_ += entries_.back().size();
    bytes_since_snapshot_ += entries_.back().size();
    sequenced_at_.push_back(now);
    unsent_authors_.push_back(user);
    ops_.push_back(std::move(op));
    if (e.client && e.seq) dedup_[*e.client] = ClientSeq{*e.seq, revision};
    if (auto it = users_.find(user); it != users_.end()) {
        it->second.last_edit = now;
        it->second.last_edit_revision = revision + 1;
        ++it->second.unacknowledged;
    }
    // Group commit: when no active author is left to add an edit to this transaction, do not wait
    // out the commit window (a lone typist, or writers that all await their acknowledgement).
    const auto when = active_authors_all_waiting_locked(now) ? storage::Commit::now : storage::Commit::within_window;
    std::weak_ptr<Document> self = weak_from_this();
    const std::uint64_t done_revision = revision + 1;
    storage_->submit(storage::AppendOp{id_, std::move(rec)}, generation_, [self, done_revision](bool ok) {
        if (auto d = self.lock()) d->on_committed(done_revision, ok);
    }, when);
    if (keyframe_due || revision_locked() - snapshot_revision_ >= limits_.snapshot_interval_ops ||
        bytes_since_snapshot_ >= limits_.log_retention_bytes / 4) {
        save_snapshot_locked();
    }
    return {EditStatus::applied, ""};
}

void Document::on_committed(std::uint64_t revision, bool ok) {
    std::function<void()> notify;
    {
        std::lock_guard lock(mu_);
        if (!ok) {
            fail_storage_locked(notify);
        } else if (!broken_) {
            committed_ = std::max(committed_, revision);
            // One History frame per storage batch, not one per edit: the rest of the batch's commit
            // callbacks only move committed_.
            if (!broadcast_queued_) {
                broadcast_queued_ = true;
                storage_->after_batch([self = weak_from_this()] {
                    if (auto d = self.lock()) {
                        std::lock_guard lock(d->mu_);
                        d->broadcast_queued_ = false;
                        d->broadcast_committed_locked();
                    }
                });
            }
        }
    }
    if (notify) notify();
}

void Document::broadcast_committed_locked() {
    if (broken_ || committed_ <= sent_) return;
    const std::uint64_t revision = committed_;
    std::vector<const std::string*> list;
    for (std::uint64_t r = sent_; r < revision; ++r) list.push_back(&entries_[r - log_start_]);
    auto f = frame(protocol::history(sent_, list));
    const auto n = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(revision - sent_, unsent_authors_.size()));
    std::vector<std::uint64_t> authors(unsent_authors_.begin(), unsent_authors_.begin() + n);
    std::sort(authors.begin(), authors.end());
    for (auto& [uid, u] : users_) {
        u.peer->deliver_history(f, sent_, revision - sent_, std::binary_search(authors.begin(), authors.end(), uid));
    }
    const auto now = Clock::now();
    for (std::uint64_t r = sent_; r < revision && !sequenced_at_.empty(); ++r) {
        if (telemetry_) telemetry_->metrics.edit_ack_latency.observe(now - sequenced_at_.front());
        sequenced_at_.pop_front();
        if (unsent_authors_.empty()) continue;
        if (auto it = users_.find(unsent_authors_.front()); it != users_.end() && it->second.unacknowledged > 0) {
            --it->second.unacknowledged;
        }
        unsent_authors_.pop_front();
    }
    sent_ = revision;
    release_cursors_locked();
    trim_locked(std::min(trim_target_, sent_));
}

void Document::release_cursors_locked() {
    std::vector<Frame> frames;
    for (auto& [uid, u] : users_) {
        if (!u.held || u.held_until > sent_) continue;
        u.cursor = std::move(u.held);
        u.held.reset();
        frames.push_back(frame(protocol::user_cursor(uid, *u.cursor)));
    }
    for (const auto& f : frames) broadcast_locked(f);
}

void Document::fail_storage_locked(std::function<void()>& notify) {
    if (broken_) return;
    broken_ = true;
    log::error("document lost a write; closing its connections", {{"document", id_}});
    record("error", std::nullopt, "storage_failure");
    if (telemetry_ && !users_.empty()) telemetry_->metrics.errors.add("storage_failure", users_.size());
    auto err = frame(protocol::error("storage_failure", "the edit could not be stored; reconnect later"));
    for (auto& [uid, u] : users_) {
        u.peer->deliver(err);
        u.peer->close(close_internal, "storage failure");
    }
    users_.clear();
    notify = on_broken_;
}

void Document::set_language(std::uint64_t user, std::string language) {
    std::lock_guard lock(mu_);
    if (broken_) return;
    language_ = std::move(language);
    // Announced once stored, so it never overtakes the History of edits sent before it.
    save_meta_locked({frame(protocol::language(*language_)), frame(protocol::language_by(user))});
}

void Document::set_user_info(std::uint64_t user, protocol::UserInfo info) {
    std::lock_guard lock(mu_);
    auto it = users_.find(user);
    if (it == users_.end()) return;
    it->second.info = info;
    record_user_info_locked(user, it->second);
    broadcast_locked(frame(protocol::user_info(user, info)));
}

void Document::set_cursor(std::uint64_t user, protocol::CursorData data) {
    std::lock_guard lock(mu_);
    auto it = users_.find(user);
    if (it == users_.end()) return;
    for (auto& p : data.cursors) p = std::min(p, text_len_);
    for (auto& [a, b] : data.selections) {
        a = std::min(a, text_len_);
        b = std::min(b, text_len_);
    }
    User& u = it->second;
    if (u.last_edit_revision > sent_) {
        // Sent right after the History of this user's edit, so that nobody sees the cursor first.
        u.held = std::move(data);
        u.held_until = u.last_edit_revision;
        return;
    }
    u.held.reset();
    auto msg = frame(protocol::user_cursor(user, data));
    u.cursor = std::move(data);
    broadcast_locked(msg);
}

void Document::set_otp(std::uint64_t user, bool enable) {
    std::lock_guard lock(mu_);
    auto it = users_.find(user);
    if (broken_ || it == users_.end()) return;
    otp_ = enable ? std::optional<std::string>(make_token()) : std::nullopt;
    record(enable ? "protect" : "unprotect", user);
    const std::string name = it->second.info ? it->second.info->name : std::string();
    save_meta_locked({frame(protocol::otp(otp_, user, name))});
}

void Document::create_view_link(std::uint64_t user) {
    std::lock_guard lock(mu_);
    if (broken_ || users_.find(user) == users_.end()) return;
    view_token_ = make_token();
    record("view_link", user);
    save_meta_locked({}, [this, user, token = *view_token_] {
        // A later request replaced this link before it was stored: only that request is answered.
        if (view_token_ != token) return;
        auto revoked = frame(protocol::error("view_link_revoked", "this read-only link was replaced by a new one"));
        for (auto& [uid, u] : users_) {
            if (!u.peer->access().view_link) continue;
            u.peer->deliver(revoked);
            u.peer->close(close_view_link_revoked, "view_link_revoked");
        }
        if (auto it = users_.find(user); it != users_.end()) it->second.peer->deliver(frame(protocol::view_link(token)));
    });
}

void Document::save_meta_locked(std::vector<Frame> announce, std::function<void()> then) {
    std::weak_ptr<Document> self = weak_from_this();
    storage_->submit(storage::SaveMeta{id_, language_, otp_, view_token_}, generation_,
                     [self, a = std::move(announce), lang = language_, then = std::move(then)](bool ok) {
        if (auto d = self.lock()) d->on_meta_committed(ok, a, lang, then);
    });
}

void Document::on_meta_committed(bool ok, const std::vector<Frame>& announce,
                                 const std::optional<std::string>& stored_language, const std::function<void()>& then) {
    std::function<void()> notify;
    {
        std::lock_guard lock(mu_);
        if (!ok) fail_storage_locked(notify);
        else if (!broken_) {
            announced_language_ = stored_language;
            broadcast_committed_locked();  // edits stored before this write are announced first
            for (const auto& f : announce) broadcast_locked(f);
            if (then) then();
        }
    }
    if (notify) notify();
}

void Document::signal(std::uint64_t from, std::uint64_t to, const std::string& data_json) {
    std::lock_guard lock(mu_);
    auto it = users_.find(to);
    if (it != users_.end()) it->second.peer->deliver(frame(protocol::signal_from(from, data_json)));
}

void Document::save_snapshot(bool force) {
    std::lock_guard lock(mu_);
    save_snapshot_locked(force);
}

void Document::save_snapshot_locked(bool force) {
    const std::uint64_t revision = revision_locked();
    if (broken_ || (revision == snapshot_revision_ && !force)) return;
    const std::uint64_t keep_from = retention_start_locked();
    bytes_since_snapshot_ = 0;
    // Entries not yet broadcast stay in memory whatever the retention says; on_committed trims later.
    trim_target_ = keep_from;
    trim_locked(std::min(keep_from, sent_));
    keyframes_.saved(revision);
    storage_->submit(storage::SaveSnapshot{id_, revision, text_, next_user_id_, ot::to_json(attribution_)}, generation_,
                     [self = weak_from_this()](bool ok) {
                         if (ok) return;
                         if (auto d = self.lock()) {
                             std::function<void()> notify;
                             {
                                 std::lock_guard lock(d->mu_);
                                 d->fail_storage_locked(notify);
                             }
                             if (notify) notify();
                         }
                     },
                     storage::Commit::within_window);
    snapshot_revision_ = revision;
}

std::uint64_t Document::retention_start_locked() const {
    const std::uint64_t revision = revision_locked();
    std::uint64_t start = revision > limits_.log_retention_ops ? revision - limits_.log_retention_ops : 0;
    start = std::max(start, log_start_);
    // Walk back from the newest entry while the kept entries fit in LOG_RETENTION_MB.
    std::uint64_t bytes = 0;
    std::uint64_t r = revision;
    while (r > start) {
        const std::uint64_t size = entries_[r - 1 - log_start_].size();
        if (bytes + size > limits_.log_retention_bytes) break;
        bytes += size;
        --r;
    }
    return r;
}

void Document::trim_locked(std::uint64_t new_start) {
    if (new_start <= log_start_) return;
    const auto n = static_cast<std::ptrdiff_t>(new_start - log_start_);
    ot::Operation dropped = ops_.front();
    for (auto it = ops_.begin() + 1; it != ops_.begin() + n; ++it) {
        auto c = ot::compose(dropped, *it);
        if (!c) {
            log::error("cannot compose the trimmed log", {{"document", id_}, {"error", c.error()}});
            return;
        }
        dropped = std::move(c).value();
    }
    auto base = ot::apply(dropped, base_text_);
    if (!base) {
        log::error("cannot apply the trimmed log", {{"document", id_}, {"error", base.error()}});
        return;
    }
    base_text_ = std::move(base).value();
    ops_.erase(ops_.begin(), ops_.begin() + n);
    for (auto it = entries_.begin(); it != entries_.begin() + n; ++it) entries_bytes_ -= it->size();
    entries_.erase(entries_.begin(), entries_.begin() + n);
    log_start_ = new_start;
    std::erase_if(dedup_, [&](const auto& kv) { return kv.second.revision < new_start; });
}

void Document::stop_edits() {
    std::lock_guard lock(mu_);
    stopping_ = true;
}

void Document::close_all(std::uint16_t code, std::string_view reason) {
    std::lock_guard lock(mu_);
    broadcast_committed_locked();
    for (auto& [uid, u] : users_) u.peer->close(code, reason);
    users_.clear();
    last_left_ = Clock::now();
}

void Document::set_on_broken(std::function<void()> f) {
    std::lock_guard lock(mu_);
    on_broken_ = std::move(f);
}

bool Document::active_authors_all_waiting_locked(Clock::time_point now) const {
    for (const auto& [uid, u] : users_) {
        if (u.unacknowledged == 0 && now - u.last_edit < author_active_span) return false;
    }
    return true;
}

void Document::broadcast_locked(const Frame& f) {
    for (auto& [uid, u] : users_) u.peer->deliver(f);
}

}  // namespace kolabpad::server::document
