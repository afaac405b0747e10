// One thread's History cache and its half of the edit-to-everyone bookkeeping.
#include "doc_local.hpp"

#include <algorithm>
#include <functional>

namespace kolabpad::load {

namespace {
// Frames kept per document and thread (by count and by bytes): enough for receivers that lag a few
// thousand frames behind, without keeping a backlog's merged frames forever.
constexpr std::size_t cache_limit = 4096;
constexpr std::size_t cache_byte_limit = 64u << 20;
// Log entries tracked per document and thread; a slot this far behind the newest one is given up on
// (its edit then shows as incomplete rather than with a wrong latency).
constexpr std::size_t slot_limit = 1u << 18;
}  // namespace

const std::vector<ot::Operation>* HistoryFrame::operations(std::string& error) {
    if (!ops_parsed_) {
        ops_parsed_ = true;
        ops_.reserve(scan_.entries.size());
        for (const auto& e : scan_.entries) {
            auto op = ot::from_json(std::string_view(bytes_).substr(e.op_at, e.op_len));
            if (!op) {
                ops_error_ = "History entry: " + op.error();
                ops_.clear();
                break;
            }
            if (!ops_.empty() && ops_.back().target_len() != op->base_len()) chained_ = false;
            ops_.push_back(std::move(op).value());
        }
    }
    if (!ops_error_.empty()) {
        error = ops_error_;
        return nullptr;
    }
    return &ops_;
}

const ot::Operation* HistoryFrame::composition() {
    if (!composed_tried_) {
        composed_tried_ = true;
        std::string ignored;
        const auto* ops = operations(ignored);
        if (ops && ops->size() >= 2) {
            ot::Operation acc = ops->front();
            bool ok = true;
            for (std::size_t i = 1; i < ops->size() && ok; ++i) {
                auto c = ot::compose(acc, (*ops)[i]);
                if (!c) ok = false;
                else acc = std::move(c).value();
            }
            if (ok) composed_ = std::move(acc);
        }
    }
    return composed_ ? &*composed_ : nullptr;
}

std::size_t DocLocal::FrameHash::operator()(std::string_view s) const {
    constexpr std::size_t window = 48;
    std::hash<std::string_view> h;
    std::size_t v = s.size() * 0x9e3779b97f4a7c15ull;
    v ^= h(s.substr(0, std::min(s.size(), window + 20)));  // the start index follows a 20-byte prefix
    if (s.size() > window) v ^= h(s.substr(s.size() - window)) * 31;
    return v;
}

std::shared_ptr<HistoryFrame> DocLocal::history(std::string_view frame, std::string& error) {
    if (auto it = cache_.find(frame); it != cache_.end()) return it->second;
    ScannedHistory scan;
    if (!scan_history(frame, scan, error)) return nullptr;
    auto h = std::make_shared<HistoryFrame>(std::string(frame), std::move(scan));
    std::string_view key = h->bytes();
    cache_.emplace(key, h);
    cache_order_.push_back(key);
    cache_bytes_ += key.size();
    evict();
    return h;
}

void DocLocal::evict() {
    while (cache_order_.size() > 1 && (cache_order_.size() > cache_limit || cache_bytes_ > cache_byte_limit)) {
        auto it = cache_.find(cache_order_.front());
        cache_bytes_ -= it->first.size();
        cache_.erase(it);  // a connection still handling the frame holds its own reference
        cache_order_.pop_front();
    }
}

void DocLocal::set_local_user(std::uint64_t user, bool open) {
    if (open) local_users_.insert(user);
    else local_users_.erase(user);
}

void DocLocal::on_received(const ScannedHistory& h, std::size_t from, std::size_t to, std::uint64_t self,
                           Clock::time_point now) {
    for (std::size_t k = from; k < to; ++k) {
        const ScannedEntry& e = h.entries[k];
        if (e.user == self || !e.has_seq) continue;  // our own edit, or an edit the tool did not make
        const std::uint64_t index = h.start + k;
        if (!slots_started_) {
            slots_started_ = true;
            slots_base_ = first_index_ = index;
        }
        if (index < first_index_) {
            // A client behind the first one seen: entries before first_index_ were never tracked (those
            // from first_index_ to slots_base_ were, and are complete).
            slots_.insert(slots_.begin(), slots_base_ - first_index_, Slot{0, true});
            slots_.insert(slots_.begin(), first_index_ - index, Slot{});
            slots_base_ = first_index_ = index;
        }
        if (index < slots_base_) continue;  // completed (or given up on) already
        const std::size_t i = index - slots_base_;
        if (i >= slots_.size()) slots_.resize(i + 1);
        Slot& s = slots_[i];
        if (!s.seen) {
            // Every connected client of this thread except the author has to receive it.
            s.seen = true;
            std::int64_t n = group_.connected_on(thread_);
            if (local_users_.contains(e.user)) --n;
            s.remaining = static_cast<std::uint32_t>(std::max<std::int64_t>(n, 0));
        }
        if (s.remaining == 0) continue;  // a client that was not counted
        if (--s.remaining == 0) group_.on_thread_received(e.user, e.seq, now, stats_);
    }
    while (!slots_.empty() && ((slots_.front().seen && slots_.front().remaining == 0) || slots_.size() > slot_limit)) {
        slots_.pop_front();
        ++slots_base_;
    }
}

}  // namespace kolabpad::load
