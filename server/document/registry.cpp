#include "document/registry.hpp"

#include <algorithm>
#include <future>
#include <vector>

#include "kolabpad/ot.hpp"

#include "memory/memory_policy.hpp"

#include "log/log.hpp"

namespace kolabpad::server::document {
namespace {

// Compares secrets without an early exit on the first differing byte.
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

Registry::Registry(storage::Storage& storage, Limits limits, Telemetry* telemetry, unsigned loader_threads)
    : storage_(storage), limits_(limits), telemetry_(telemetry), pool_(loader_threads) {}

ot::Result<std::string> replay_latest(const std::string& id, const storage::LatestText& latest) {
    std::string text = latest.snapshot_text;
    std::uint64_t expected = latest.snapshot_revision;
    for (const storage::OpRecord& r : latest.ops) {
        if (r.revision != expected) {
            return ot::Error{"document " + id + ": operation " + std::to_string(expected) + " is missing"};
        }
        auto op = ot::from_json(r.operation_json);
        if (!op) return ot::Error{"document " + id + ": stored operation is invalid: " + op.error()};
        auto t = ot::apply(op.value(), text);
        if (!t) return ot::Error{"document " + id + ": stored operation does not apply: " + t.error()};
        text = std::move(t).value();
        ++expected;
    }
    return text;
}

std::shared_ptr<Document> Registry::hot_locked(const std::string& id, std::shared_ptr<Document>& stale) const {
    if (auto it = docs_.find(id); it != docs_.end()) {
        if (!it->second->evicted()) return it->second;
        stale = it->second;
    }
    return nullptr;
}

ot::Result<std::shared_ptr<Document>> Registry::get(const std::string& id) {
    std::future<ot::Result<std::shared_ptr<Document>>> joined;
    {
        std::lock_guard lock(mu_);
        std::shared_ptr<Document> stale;
        if (auto d = hot_locked(id, stale)) return d;
        if (auto it = loading_.find(id); it != loading_.end()) {
            ++coalesced_;
            auto p = std::make_shared<std::promise<ot::Result<std::shared_ptr<Document>>>>();
            joined = p->get_future();
            it->second.waiters.push_back([p](ot::Result<std::shared_ptr<Document>> r) { p->set_value(std::move(r)); });
        } else {
            loading_.emplace(id, PendingLoad{});
        }
    }
    if (joined.valid()) return joined.get();
    auto r = load(id);
    finish_load(id, r);
    return r;
}

void Registry::get_async(const std::string& id, DocumentDone done) {
    {
        std::unique_lock lock(mu_);
        std::shared_ptr<Document> stale;
        if (auto d = hot_locked(id, stale)) {
            lock.unlock();
            done(std::move(d));
            return;
        }
        if (loading_stopped_) {
            lock.unlock();
            done(ot::Error{"shutting down"});
            return;
        }
        if (auto it = loading_.find(id); it != loading_.end()) {
            ++coalesced_;
            it->second.waiters.push_back(std::move(done));
            return;
        }
        loading_[id].waiters.push_back(std::move(done));
    }
    // Refused only when stop_loading() raced this call; it then fails the waiters registered above.
    pool_.post([this, id] { finish_load(id, load(id)); });
}

ot::Result<std::shared_ptr<Document>> Registry::load(const std::string& id) {
    std::shared_ptr<Document> stale;
    {
        std::lock_guard lock(mu_);
        if (auto d = hot_locked(id, stale)) return d;
    }
    if (stale) {
        // Being evicted by evict_now(): it takes no more edits; once its queued writes are
        // stored, loading from storage gives the same document.
        storage_.flush();
        discard(id, stale.get());
    }
    // Load outside the registry lock; if a synchronous and an asynchronous load raced, the first
    // one inserted wins.
    ++loads_;
    // The in-memory log is a tail of the stored one: at most a snapshot interval plus LOG_RETENTION_OPS
    // operations, inserting at most LOG_RETENTION_MB of text (the document then trims to its bounds).
    auto record = storage_.load(id, storage::LoadTail{limits_.log_retention_ops + limits_.snapshot_interval_ops,
                                                      limits_.log_retention_bytes});
    if (!record) return ot::Error{record.error()};
    auto doc = Document::create(id, record.value(), limits_, &storage_, next_generation_++, telemetry_);
    if (!doc) {
        log::error("cannot load document", {{"document", id}, {"error", doc.error()}});
        return ot::Error{doc.error()};
    }
    std::shared_ptr<Document> d = std::move(doc).value();
    d->set_job_runner(job_runner());
    {
        std::lock_guard lock(mu_);
        auto [it, inserted] = docs_.emplace(id, d);
        if (!inserted) return it->second;
    }
    d->set_on_broken([this, id, raw = d.get()] { discard(id, raw); });
    log::debug("document loaded", {{"document", id}, {"revision", std::to_string(d->revision())}});
    return d;
}

JobRunner Registry::job_runner() {
    return [this](std::function<void()> job) { return pool_.post(std::move(job)); };
}

void Registry::finish_load(const std::string& id, const ot::Result<std::shared_ptr<Document>>& result) {
    std::vector<DocumentDone> waiters;
    {
        std::lock_guard lock(mu_);
        if (auto it = loading_.find(id); it != loading_.end()) {
            waiters = std::move(it->second.waiters);
            loading_.erase(it);
        }
    }
    for (auto& w : waiters) w(result);
}

void Registry::stop_loading() {
    {
        std::lock_guard lock(mu_);
        loading_stopped_ = true;
    }
    pool_.stop();
    std::unordered_map<std::string, PendingLoad> pending;
    {
        std::lock_guard lock(mu_);
        pending.swap(loading_);
    }
    for (auto& [id, p] : pending) {
        for (auto& w : p.waiters) w(ot::Error{"shutting down"});
    }
}

Access Registry::check_access(const std::string& id, const std::optional<std::string>& otp) {
    std::optional<std::string> token;
    std::shared_ptr<Document> hot;
    {
        std::lock_guard lock(mu_);
        if (auto it = docs_.find(id); it != docs_.end()) hot = it->second;
    }
    if (hot) {
        token = hot->otp();
    } else {
        auto stored = storage_.load_otp(id);
        if (!stored) return Access::storage_failure;
        token = stored.value();
    }
    if (!token) return Access::allowed;
    return otp && same_secret(*otp, *token) ? Access::allowed : Access::denied;
}

Access Registry::check_view_link(const std::string& id, const std::string& view) {
    std::optional<std::string> token;
    std::shared_ptr<Document> hot;
    {
        std::lock_guard lock(mu_);
        if (auto it = docs_.find(id); it != docs_.end()) hot = it->second;
    }
    if (hot) {
        token = hot->view_token();
    } else {
        auto stored = storage_.load_view_token(id);
        if (!stored) return Access::storage_failure;
        token = stored.value();
    }
    return token && same_secret(view, *token) ? Access::allowed : Access::denied;
}

ot::Result<std::string> Registry::text(const std::string& id) { return stored_text(id); }

void Registry::text_async(const std::string& id, TextDone done) {
    {
        std::unique_lock lock(mu_);
        if (auto it = docs_.find(id); it != docs_.end()) {
            auto d = it->second;
            lock.unlock();
            done(d->text());
            return;
        }
    }
    auto shared = std::make_shared<TextDone>(std::move(done));
    if (!pool_.post([this, id, shared] { (*shared)(stored_text(id)); })) (*shared)(ot::Error{"shutting down"});
}

ot::Result<std::string> Registry::stored_text(const std::string& id) {
    std::shared_ptr<Document> hot;
    {
        std::lock_guard lock(mu_);
        if (auto it = docs_.find(id); it != docs_.end()) hot = it->second;
    }
    // In memory (perhaps loaded meanwhile): newer than storage, which lacks uncommitted edits.
    if (hot) return hot->text();
    auto latest = storage_.load_latest(id);
    if (!latest) return ot::Error{latest.error()};
    if (!latest->exists) return std::string();
    auto text = replay_latest(id, latest.value());
    if (!text) log::error("cannot read document", {{"document", id}, {"error", text.error()}});
    return text;
}

std::size_t Registry::size() const {
    std::lock_guard lock(mu_);
    return docs_.size();
}

std::size_t Registry::connections() const {
    std::vector<std::shared_ptr<Document>> all;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, d] : docs_) all.push_back(d);
    }
    std::size_t n = 0;
    for (const auto& d : all) n += d->connections();
    return n;
}

std::size_t Registry::evict_idle(std::chrono::duration<double> max_idle) {
    const auto cutoff =
        Document::Clock::now() - std::chrono::duration_cast<Document::Clock::duration>(max_idle);
    std::vector<std::shared_ptr<Document>> evicted;
    {
        std::lock_guard lock(mu_);
        for (auto it = docs_.begin(); it != docs_.end();) {
            // The document's own lock is taken inside the registry's: never the other way round.
            if (it->second->try_evict(cutoff)) {
                evicted.push_back(it->second);
                it = docs_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& d : evicted) {
        d->save_snapshot();
        this->evicted(*d, "idle");
    }
    return evicted.size();
}

void Registry::shutdown() {
    std::vector<std::shared_ptr<Document>> all;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, d] : docs_) all.push_back(d);
    }
    // No edit may be stored without reaching its sender: stop sequencing, commit what is queued
    // (each commit broadcasts its History to every connection still open), and only then close.
    for (const auto& d : all) d->stop_edits();
    storage_.flush();
    for (const auto& d : all) {
        d->save_snapshot();
        d->close_all(close_going_away, "server shutting down");
    }
}

void Registry::discard(const std::string& id, const Document* doc) {
    std::lock_guard lock(mu_);
    auto it = docs_.find(id);
    if (it != docs_.end() && it->second.get() == doc) docs_.erase(it);
}

std::vector<std::shared_ptr<Document>> Registry::all() const {
    std::vector<std::shared_ptr<Document>> out;
    std::lock_guard lock(mu_);
    for (const auto& [id, d] : docs_) out.push_back(d);
    return out;
}

void Registry::evicted(const Document& d, const char* reason) {
    log::info("document evicted", {{"document", d.id()}, {"reason", reason}});
    if (!telemetry_) return;
    telemetry_->metrics.evictions.add(reason);
    telemetry_->events.record("evict", d.id(), std::nullopt, reason);
}

std::shared_ptr<Document> Registry::find(const std::string& id) const {
    std::lock_guard lock(mu_);
    auto it = docs_.find(id);
    return it == docs_.end() || it->second->evicted() ? nullptr : it->second;
}

std::vector<Document::Info> Registry::list() const {
    std::vector<Document::Info> out;
    for (const auto& d : all()) {
        if (!d->evicted()) out.push_back(d->info());
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

std::optional<std::uint64_t> Registry::persist(const std::string& id) {
    auto d = find(id);
    if (!d) return std::nullopt;
    d->save_snapshot(true);
    storage_.flush();
    return d->revision();
}

bool Registry::evict_now(const std::string& id) {
    auto d = find(id);
    if (!d || !d->evict_now()) return false;
    storage_.flush();
    discard(id, d.get());
    evicted(*d, "admin");
    return true;
}

std::size_t Registry::enforce_memory(std::uint64_t limit_bytes) {
    std::vector<memory::Candidate> candidates;
    const auto now = Document::Clock::now();
    for (const auto& d : all()) {
        candidates.push_back(memory::Candidate{d->id(), d->memory_bytes(), d->evictable(now), d->last_used()});
    }
    const auto chosen = memory::choose_evictions(std::move(candidates), limit_bytes);
    if (chosen.empty()) return 0;
    std::vector<std::shared_ptr<Document>> out;
    {
        std::lock_guard lock(mu_);
        for (const auto& id : chosen) {
            auto it = docs_.find(id);
            // try_evict checks again under the document's lock: a user may have joined meanwhile.
            if (it != docs_.end() && it->second->try_evict(Document::Clock::now())) {
                out.push_back(it->second);
                docs_.erase(it);
            }
        }
    }
    for (const auto& d : out) {
        d->save_snapshot();
        evicted(*d, "memory");
    }
    return out.size();
}

std::uint64_t Registry::memory_bytes() const {
    std::uint64_t n = 0;
    for (const auto& d : all()) n += d->memory_bytes();
    return n;
}

std::size_t Registry::hot() const {
    std::size_t n = 0;
    for (const auto& d : all()) n += d->connections() > 0 ? 1 : 0;
    return n;
}

void Registry::adopt(const std::string& id, std::shared_ptr<Document> doc) {
    std::lock_guard lock(mu_);
    docs_[id] = std::move(doc);
}

}  // namespace kolabpad::server::document
