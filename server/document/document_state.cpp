// Document's read-only views (state getters, admin figures, accounted memory) and eviction.
#include "document/document.hpp"

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::document {
namespace {

// Fixed per-document overhead counted on top of its strings: the object, its maps and vectors.
constexpr std::uint64_t document_overhead_bytes = 4096;
// Per kept operation: the Operation's components beside its serialized entry, and vector slots.
constexpr std::uint64_t per_operation_bytes = 96;

}  // namespace

std::string Document::text() const {
    std::lock_guard lock(mu_);
    return text_;
}

std::uint64_t Document::revision() const {
    std::lock_guard lock(mu_);
    return revision_locked();
}

std::uint64_t Document::acknowledged_revision() const {
    std::lock_guard lock(mu_);
    return sent_;
}

std::uint64_t Document::log_start() const {
    std::lock_guard lock(mu_);
    return log_start_;
}

std::optional<std::string> Document::otp() const {
    std::lock_guard lock(mu_);
    return otp_;
}

std::optional<std::string> Document::view_token() const {
    std::lock_guard lock(mu_);
    return view_token_;
}

std::size_t Document::connections() const {
    std::lock_guard lock(mu_);
    return users_.size();
}

bool Document::evictable(Clock::time_point cutoff) const {
    std::lock_guard lock(mu_);
    return users_.empty() && sent_ == revision_locked() && last_left_ <= cutoff;
}

bool Document::try_evict(Clock::time_point cutoff) {
    std::lock_guard lock(mu_);
    if (evicted_ || !users_.empty() || sent_ != revision_locked() || last_left_ > cutoff) return false;
    evicted_ = true;
    return true;
}

bool Document::broken() const {
    std::lock_guard lock(mu_);
    return broken_;
}

bool Document::evicted() const {
    std::lock_guard lock(mu_);
    return evicted_;
}

std::pair<std::uint64_t, std::uint64_t> Document::head() const {
    std::lock_guard lock(mu_);
    return {revision_locked(), text_len_};
}

bool Document::evict_now() {
    std::lock_guard lock(mu_);
    if (evicted_) return false;
    evicted_ = true;
    auto err = make_frame(
        protocol::error("evicted", "an administrator evicted this document from memory; reconnect to load it again"));
    for (auto& [uid, u] : users_) {
        u.peer->deliver(err);
        u.peer->close(close_evicted, "evicted");
    }
    if (telemetry_ && !users_.empty()) telemetry_->metrics.errors.add("evicted", users_.size());
    users_.clear();
    last_left_ = Clock::now();
    save_snapshot_locked(true);
    return true;
}

Document::Info Document::info() const {
    std::lock_guard lock(mu_);
    Info i;
    i.id = id_;
    i.users = users_.size();
    for (const auto& [uid, u] : users_) i.simulated_users += u.peer->simulated() ? 1 : 0;
    i.revision = revision_locked();
    i.text_bytes = text_.size();
    i.code_points = text_len_;
    i.language = language_;
    i.is_protected = otp_.has_value();
    if (users_.empty()) i.idle_seconds = std::chrono::duration<double>(Clock::now() - last_left_).count();
    i.memory_bytes = memory_bytes_locked();
    return i;
}

std::vector<Document::UserView> Document::users() const {
    std::lock_guard lock(mu_);
    std::vector<UserView> out;
    for (const auto& [uid, u] : users_) {
        out.push_back(UserView{uid, u.info, u.cursor, u.peer->simulated(), u.peer->access()});
    }
    return out;
}

std::uint64_t Document::memory_bytes() const {
    std::lock_guard lock(mu_);
    return memory_bytes_locked();
}

std::uint64_t Document::memory_bytes_locked() const {
    return document_overhead_bytes + text_.capacity() + base_text_.capacity() + 2 * entries_bytes_ +
           per_operation_bytes * ops_.size();
}

Document::Clock::time_point Document::last_used() const {
    std::lock_guard lock(mu_);
    return users_.empty() ? last_left_ : Clock::now();
}

}  // namespace kolabpad::server::document
