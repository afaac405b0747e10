#include "events/event_log.hpp"

#include <algorithm>
#include <chrono>

#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::events {

EventLog::EventLog(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

void EventLog::record(std::string kind, std::string document, std::optional<std::uint64_t> user, std::string detail) {
    using namespace std::chrono;
    Event e{0, duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count(), std::move(kind),
            std::move(document), user, std::move(detail)};
    std::lock_guard lock(mu_);
    e.seq = next_seq_++;
    if (events_.size() == capacity_) events_.pop_front();
    events_.push_back(std::move(e));
}

std::vector<Event> EventLog::recent(std::size_t limit) const {
    std::lock_guard lock(mu_);
    const std::size_t n = std::min(limit, events_.size());
    return {events_.end() - static_cast<std::ptrdiff_t>(n), events_.end()};
}

std::uint64_t EventLog::total() const {
    std::lock_guard lock(mu_);
    return next_seq_ - 1;
}

std::string to_json(const Event& e) {
    std::string out = "{\"seq\":" + std::to_string(e.seq) + ",\"time_ms\":" + std::to_string(e.time_ms) + ",\"kind\":";
    ot::append_json_string(out, ot::utf8::sanitize(e.kind));
    out += ",\"document\":";
    ot::append_json_string(out, ot::utf8::sanitize(e.document));
    out += ",\"user\":" + (e.user ? std::to_string(*e.user) : std::string("null")) + ",\"detail\":";
    ot::append_json_string(out, ot::utf8::sanitize(e.detail));
    out += "}";
    return out;
}

}  // namespace kolabpad::server::events
