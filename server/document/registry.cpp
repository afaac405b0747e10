#include "document/registry.hpp"

#include <vector>

#include "log/log.hpp"

namespace kolabpad::server::document {

Registry::Registry(storage::Storage& storage, Limits limits) : storage_(storage), limits_(limits) {}

ot::Result<std::shared_ptr<Document>> Registry::get(const std::string& id) {
    {
        std::lock_guard lock(mu_);
        if (auto it = docs_.find(id); it != docs_.end()) return it->second;
    }
    // Load outside the registry lock; if two loads race, the first one inserted wins.
    auto record = storage_.load(id);
    if (!record) return ot::Error{record.error()};
    auto doc = Document::create(id, record.value(), limits_, &storage_, next_generation_++);
    if (!doc) {
        log::error("cannot load document", {{"document", id}, {"error", doc.error()}});
        return ot::Error{doc.error()};
    }
    std::shared_ptr<Document> d = std::move(doc).value();
    {
        std::lock_guard lock(mu_);
        auto [it, inserted] = docs_.emplace(id, d);
        if (!inserted) return it->second;
    }
    d->set_on_broken([this, id, raw = d.get()] { discard(id, raw); });
    log::debug("document loaded", {{"document", id}, {"revision", std::to_string(d->revision())}});
    return d;
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
    return otp && *otp == *token ? Access::allowed : Access::denied;
}

ot::Result<std::string> Registry::text(const std::string& id) {
    {
        std::lock_guard lock(mu_);
        if (auto it = docs_.find(id); it != docs_.end()) return it->second->text();
    }
    auto record = storage_.load(id);
    if (!record) return ot::Error{record.error()};
    if (!record->exists) return std::string();
    auto doc = Document::create(id, record.value(), limits_, &storage_, 0);
    if (!doc) return ot::Error{doc.error()};
    return doc.value()->text();
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
        log::debug("document evicted", {{"document", d->id()}});
    }
    return evicted.size();
}

void Registry::shutdown() {
    std::vector<std::shared_ptr<Document>> all;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, d] : docs_) all.push_back(d);
    }
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

}  // namespace kolabpad::server::document
