// Edit-to-everyone bookkeeping and the shared History parse cache of one document.
#include "doc_group.hpp"

#include <nlohmann/json.hpp>

namespace kolabpad::load {

namespace {
// Parsed frames kept per document: enough for receivers that lag a few thousand frames behind.
constexpr std::size_t cache_limit = 4096;
}  // namespace

int DocGroup::add_client(const std::string& client) {
    int i = size();
    names_.push_back(client);
    connected_.push_back(false);
    index_.emplace(client, i);
    return i;
}

void DocGroup::set_connected(int index, bool connected) {
    if (connected_[index] == connected) return;
    connected_[index] = connected;
    if (connected) ++connected_count_; else --connected_count_;
}

void DocGroup::on_sent(int sender, std::uint64_t seq, Clock::time_point t) {
    std::uint32_t others = connected_count_ - (connected_[sender] ? 1 : 0);
    if (others > 0) pending_[key(sender, seq)] = Pending{t, others};
}

void DocGroup::on_received(int sender, std::uint64_t seq, Clock::time_point now) {
    auto it = pending_.find(key(sender, seq));
    if (it == pending_.end()) return;
    if (--it->second.remaining == 0) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - it->second.sent).count();
        stats_.everyone_us.push_back(static_cast<std::uint32_t>(us));
        pending_.erase(it);
    }
}

std::shared_ptr<const ParsedHistory> DocGroup::parse_history(std::string_view frame, std::string& error) {
    std::string key_text(frame);
    if (auto it = cache_.find(key_text); it != cache_.end()) return it->second;

    auto j = nlohmann::json::parse(frame, nullptr, false);
    const nlohmann::json* h = nullptr;
    if (j.is_object() && j.contains("History")) h = &j["History"];
    if (!h || !h->is_object() || !h->contains("start") || !(*h)["start"].is_number_unsigned() ||
        !h->contains("operations") || !(*h)["operations"].is_array()) {
        error = "malformed History";
        return nullptr;
    }
    auto parsed = std::make_shared<ParsedHistory>();
    parsed->start = (*h)["start"].get<std::uint64_t>();
    for (const auto& e : (*h)["operations"]) {
        if (!e.is_object() || !e.contains("operation")) {
            error = "History entry without operation";
            return nullptr;
        }
        auto op = ot::from_json(e["operation"].dump());
        if (!op) {
            error = "History entry: " + op.error();
            return nullptr;
        }
        ParsedEntry pe{std::move(op).value()};
        if (auto c = e.find("client"); c != e.end() && c->is_string()) {
            if (auto it = index_.find(c->get<std::string>()); it != index_.end()) pe.sender = it->second;
        }
        if (auto s = e.find("seq"); s != e.end() && s->is_number_unsigned()) {
            pe.seq = s->get<std::uint64_t>();
            pe.has_seq = true;
        }
        parsed->entries.push_back(std::move(pe));
    }
    cache_.emplace(key_text, parsed);
    cache_order_.push_back(std::move(key_text));
    if (cache_order_.size() > cache_limit) {
        cache_.erase(cache_order_.front());
        cache_order_.pop_front();
    }
    return parsed;
}

}  // namespace kolabpad::load
