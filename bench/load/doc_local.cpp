// One thread's History parse cache and its half of the edit-to-everyone bookkeeping.
#include "doc_local.hpp"

#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

namespace kolabpad::load {

namespace {
// Parsed frames kept per document and thread: enough for receivers that lag a few thousand frames behind.
constexpr std::size_t cache_limit = 4096;
// Log entries tracked per document and thread; a slot this far behind the newest one is given up on
// (its edit then shows as incomplete rather than with a wrong latency).
constexpr std::size_t slot_limit = 1u << 16;

// The composition of every entry's operation, or nothing when there are fewer than two or they do
// not line up (the clients then apply them one by one and report the error).
std::optional<ot::Operation> compose_all(const std::vector<ParsedEntry>& entries) {
    if (entries.size() < 2) return std::nullopt;
    ot::Operation acc = entries.front().op;
    for (std::size_t i = 1; i < entries.size(); ++i) {
        auto c = ot::compose(acc, entries[i].op);
        if (!c) return std::nullopt;
        acc = std::move(c).value();
    }
    return acc;
}
}  // namespace

std::size_t DocLocal::FrameHash::operator()(std::string_view s) const {
    constexpr std::size_t window = 48;
    std::hash<std::string_view> h;
    std::size_t v = s.size() * 0x9e3779b97f4a7c15ull;
    v ^= h(s.substr(0, std::min(s.size(), window + 20)));  // the start index follows a 20-byte prefix
    if (s.size() > window) v ^= h(s.substr(s.size() - window)) * 31;
    return v;
}

std::shared_ptr<const ParsedHistory> DocLocal::parse_history(std::string_view frame, std::string& error) {
    if (auto it = cache_.find(frame); it != cache_.end()) {
        // Composing costs more than applying the entries one by one, so only frames shared by several
        // clients (every broadcast, not a lagging client's merged backlog) are worth it.
        Cached& c = *it->second;
        if (!c.composed) {
            c.composed = true;
            c.parsed->composed = compose_all(c.parsed->entries);
        }
        return c.parsed;
    }

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
        if (auto c = e.find("client"); c != e.end() && c->is_string()) pe.sender = group_.index_of(c->get<std::string>());
        if (auto s = e.find("seq"); s != e.end() && s->is_number_unsigned()) {
            pe.seq = s->get<std::uint64_t>();
            pe.has_seq = true;
        }
        parsed->entries.push_back(std::move(pe));
    }
    auto cached = std::make_unique<Cached>(Cached{std::string(frame), parsed});
    std::string_view key = cached->frame;
    cache_.emplace(key, std::move(cached));
    cache_order_.push_back(key);
    if (cache_order_.size() > cache_limit) {
        cache_.erase(cache_.find(cache_order_.front()));
        cache_order_.pop_front();
    }
    return parsed;
}

void DocLocal::on_received(std::uint64_t index, int sender, std::uint64_t seq, Clock::time_point now) {
    if (!slots_started_) {
        slots_started_ = true;
        slots_base_ = index;
    }
    if (index < slots_base_) return;  // completed (or given up on) already
    const std::size_t i = index - slots_base_;
    if (i >= slots_.size()) slots_.resize(i + 1);
    Slot& s = slots_[i];
    if (!s.seen) {
        // Every connected client of this thread except the author has to receive it.
        s.seen = true;
        std::int64_t n = group_.connected_on(thread_);
        if (group_.thread_of(sender) == thread_ && group_.connected(sender)) --n;
        s.remaining = static_cast<std::uint32_t>(std::max<std::int64_t>(n, 0));
    }
    if (s.remaining == 0) return;  // a client that was not counted
    if (--s.remaining == 0) group_.on_thread_received(sender, seq, now, stats_);
    while (!slots_.empty() && ((slots_.front().seen && slots_.front().remaining == 0) || slots_.size() > slot_limit)) {
        slots_.pop_front();
        ++slots_base_;
    }
}

}  // namespace kolabpad::load
