#include "cluster/relay.hpp"

#include <random>

#include <nlohmann/json.hpp>

#include "kolabpad/ot/json.hpp"
#include "log/log.hpp"
#include "protocol/messages.hpp"

namespace kolabpad::server::cluster {
namespace {

using Json = nlohmann::ordered_json;
using document::Frame;
using document::make_frame;

constexpr std::uint16_t close_policy = 1008;
constexpr std::uint16_t close_internal = 1011;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string random_secret() {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string s = "relay-";
    for (int i = 0; i < 32; ++i) s += alphabet[rng() % 64];
    return s;
}

std::string json_string(std::string_view s) { return Json(std::string(s)).dump(); }

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// One owner item as its local recipients share it: the frame built once, parsed at most once.
struct Relay::Item {
    ItemKind kind;
    Frame frame;
    std::uint64_t start = 0, count = 0, close_code = 0, join_id = 0;
    mutable std::optional<Json> parsed;

    const Json& json() const {
        if (!parsed) parsed = Json::parse(frame->payload(), nullptr, false);
        return *parsed;
    }
    // The author of each History entry.
    std::vector<std::uint64_t> authors() const {
        std::vector<std::uint64_t> out;
        const Json& j = json();
        if (j.is_discarded() || !j.contains("History")) return out;
        for (const auto& e : j["History"]["operations"]) out.push_back(e.value("id", std::uint64_t(0)));
        return out;
    }
};

Relay::Relay(RelayHost& host, std::string doc, RelayOptions options)
    : host_(host), doc_(std::move(doc)), options_(options) {}

// ---- Room: any thread -------------------------------------------------------------------

ot::Result<std::uint64_t> Relay::join(std::shared_ptr<document::Peer> peer, std::optional<std::uint64_t> resume) {
    auto id = host_.next_user_id();
    if (!id) return ot::Error{"storage_failure"};
    host_.worker().post([self = shared_from_this(), uid = id.value(), p = std::move(peer), resume]() mutable {
        self->add_user(uid, std::move(p), resume);
    });
    return id.value();
}

void Relay::leave(std::uint64_t user) {
    host_.worker().post([self = shared_from_this(), user] { self->remove_user(user); });
}

document::EditResult Relay::edit(std::uint64_t user, protocol::Edit e) {
    host_.worker().post([self = shared_from_this(), user, e = std::move(e)]() mutable { self->client_edit(user, std::move(e)); });
    return {document::EditStatus::applied, ""};
}

void Relay::set_language(std::uint64_t user, std::string language) {
    std::string f = "{\"SetLanguage\":" + json_string(language) + "}";
    host_.worker().post([self = shared_from_this(), user, f = std::move(f)]() mutable { self->client_frame(user, std::move(f), false, false); });
}

void Relay::set_user_info(std::uint64_t user, protocol::UserInfo info) {
    std::string f = "{\"ClientInfo\":{\"name\":" + json_string(info.name) + ",\"hue\":" + std::to_string(info.hue) + "}}";
    host_.worker().post([self = shared_from_this(), user, f = std::move(f)]() mutable { self->client_frame(user, std::move(f), true, false); });
}

void Relay::set_cursor(std::uint64_t user, protocol::CursorData data) {
    std::string f = "{\"CursorData\":{\"cursors\":[";
    for (std::size_t i = 0; i < data.cursors.size(); ++i) {
        if (i) f += ',';
        f += std::to_string(data.cursors[i]);
    }
    f += "],\"selections\":[";
    for (std::size_t i = 0; i < data.selections.size(); ++i) {
        f += (i ? ",[" : "[") + std::to_string(data.selections[i].first) + "," + std::to_string(data.selections[i].second) + "]";
    }
    f += "]}}";
    host_.worker().post([self = shared_from_this(), user, f = std::move(f)]() mutable { self->client_frame(user, std::move(f), false, true); });
}

void Relay::set_otp(std::uint64_t user, bool enable) {
    std::string f = std::string("{\"SetOTP\":") + (enable ? "true" : "false") + "}";
    host_.worker().post([self = shared_from_this(), user, f = std::move(f)]() mutable { self->client_frame(user, std::move(f), false, false); });
}

void Relay::create_view_link(std::uint64_t user) {
    host_.worker().post([self = shared_from_this(), user]() mutable {
        self->client_frame(user, "{\"CreateViewLink\":null}", false, false);
    });
}

void Relay::save_version(std::uint64_t user, std::string name) {
    std::string f = "{\"SaveVersion\":{\"name\":";
    ot::append_json_string(f, name);
    f += "}}";
    host_.worker().post([self = shared_from_this(), user, f = std::move(f)]() mutable { self->client_frame(user, std::move(f), false, false); });
}

void Relay::restore(std::uint64_t user, std::uint64_t revision) {
    std::string f = "{\"Restore\":{\"revision\":" + std::to_string(revision) + "}}";
    host_.worker().post([self = shared_from_this(), user, f = std::move(f)]() mutable { self->client_frame(user, std::move(f), false, false); });
}

void Relay::signal(std::uint64_t from, std::uint64_t to, const std::string& data_json) {
    std::string f = "{\"Signal\":{\"to\":" + std::to_string(to) + ",\"data\":" + data_json + "}}";
    host_.worker().post([self = shared_from_this(), from, f = std::move(f)]() mutable { self->client_frame(from, std::move(f), false, false); });
}

// ---- worker ------------------------------------------------------------------------------

void Relay::add_user(std::uint64_t id, std::shared_ptr<document::Peer> peer, std::optional<std::uint64_t> resume) {
    User& u = users_[id];
    u.id = id;
    u.peer = std::move(peer);
    u.resume = resume;
    u.secret = random_secret();
    if (owner_) send_join(u);
    else if (!probing_) {
        probing_ = true;
        last_probe_ = Clock::now();
        host_.probe(doc_);
    }
}

void Relay::remove_user(std::uint64_t id) {
    auto it = users_.find(id);
    if (it == users_.end()) return;
    if (owner_) {
        WireMessage m;
        m.type = WireType::leave;
        m.doc = doc_;
        m.epoch = owner_->epoch;
        m.instance = host_.instance();
        m.user = id;
        host_.send_to_owner(*owner_, std::move(m));
    }
    users_.erase(it);
    if (users_.empty()) empty_since_ = Clock::now();
}

void Relay::client_frame(std::uint64_t id, std::string frame, bool is_info, bool is_cursor) {
    auto it = users_.find(id);
    if (it == users_.end() || it->second.failed) return;
    User& u = it->second;
    if (is_info) u.info_frame = frame;
    if (is_cursor) u.cursor_frame = frame;
    // Before the first join is sent there is nobody to tell; a re-join resends info and cursor.
    if (owner_ && u.replied) forward(u, frame, 0);
    else if (owner_ && !is_info && !is_cursor) forward(u, frame, 0);
}

void Relay::client_edit(std::uint64_t id, protocol::Edit e) {
    auto it = users_.find(id);
    if (it == users_.end() || it->second.failed) return;
    User& u = it->second;
    // Every forwarded edit carries (client, seq), so that a resend is applied at most once: a
    // client that sends neither gets the relay's own secret id and counter for this connection.
    if (!e.client || !e.seq) {
        e.client = u.secret;
        e.seq = ++u.seq;
    }
    std::string f = "{\"Edit\":{\"revision\":" + std::to_string(e.revision) + ",\"operation\":" + ot::to_json(e.operation) +
                    ",\"client\":" + json_string(*e.client) + ",\"seq\":" + std::to_string(*e.seq) + "}}";
    u.edits.push_back(Edit{std::move(f), *e.seq, {}, false});
    pump(u);
}

void Relay::forward(User& u, const std::string& frame, std::uint64_t seq) {
    WireMessage m;
    m.type = WireType::client;
    m.doc = doc_;
    m.epoch = owner_->epoch;
    m.instance = host_.instance();
    m.user = u.id;
    m.text = frame;
    m.seq = seq;
    host_.send_to_owner(*owner_, std::move(m));
}

void Relay::send_join(User& u) {
    if (!owner_ || u.failed) return;
    u.join_id = next_join_id_++;
    u.awaiting = true;
    if (!u.replied) u.delivered = u.resume.value_or(0);
    u.join_sent_at = Clock::now();
    u.seen_in_join.clear();
    WireMessage m;
    m.type = WireType::join;
    m.doc = doc_;
    m.epoch = owner_->epoch;
    m.instance = host_.instance();
    m.user = u.id;
    m.join_id = u.join_id;
    m.resume = u.replied ? std::optional<std::uint64_t>(u.delivered) : u.resume;
    const document::PeerAccess access = u.peer->access();
    m.read_only = access.read_only;
    m.via = access.via;
    host_.send_to_owner(*owner_, std::move(m));
    if (u.replied) {
        if (u.info_frame) forward(u, *u.info_frame, 0);
        if (u.cursor_frame) forward(u, *u.cursor_frame, 0);
    }
    if (u.in_flight && forwarding_) {
        u.in_flight->held = false;
        u.in_flight->sent_at = Clock::now();
        host_.counters().resent_edits.fetch_add(1, std::memory_order_relaxed);
        forward(u, u.in_flight->frame, u.in_flight->seq);
    }
    pump(u);
}

void Relay::pump(User& u) {
    if (!forwarding_ || !owner_ || u.failed || u.in_flight || u.edits.empty()) return;
    if (!u.awaiting && !u.replied) return;  // no join sent yet
    u.in_flight = std::move(u.edits.front());
    u.edits.pop_front();
    u.in_flight->sent_at = Clock::now();
    forward(u, u.in_flight->frame, u.in_flight->seq);
}

void Relay::on_owner(const OwnerRef& owner) {
    probing_ = false;
    if (owner_ && *owner_ == owner) return;
    if (owner_ && owner_->epoch > owner.epoch) return;  // an older announcement arriving late
    const bool change = owner_.has_value();
    owner_ = owner;
    if (change) host_.counters().owner_changes.fetch_add(1, std::memory_order_relaxed);
    log::debug("relay owner", {{"document", doc_}, {"owner", owner.instance}, {"epoch", std::to_string(owner.epoch)}});
    for (auto& [id, u] : users_) {
        if (u.replied) host_.counters().rejoins.fetch_add(1, std::memory_order_relaxed);
        send_join(u);
    }
}

void Relay::on_owner_gone(const OwnerRef& owner) {
    if (!owner_ || !(*owner_ == owner)) return;
    owner_.reset();
    ownerless_since_ = Clock::now();
    if (!users_.empty() && !probing_) {
        probing_ = true;
        last_probe_ = Clock::now();
        host_.probe(doc_);
    }
}

void Relay::on_probed(const std::optional<OwnerRef>& owner) {
    probing_ = false;
    if (!owner) return;  // nobody yet (being handed over, or PostgreSQL down): the next tick asks again
    if (owner_ && *owner_ == *owner) {
        retry_unanswered(Clock::now());
        return;
    }
    on_owner(*owner);
}

void Relay::on_bus_reconnect() {
    for (auto& [id, u] : users_) {
        if (!owner_) break;
        host_.counters().rejoins.fetch_add(1, std::memory_order_relaxed);
        send_join(u);
    }
}

void Relay::retry_unanswered(Clock::time_point now) {
    for (auto& [id, u] : users_) {
        if (u.awaiting && now - u.join_sent_at >= options_.request_timeout) {
            host_.counters().rejoins.fetch_add(1, std::memory_order_relaxed);
            send_join(u);  // resends the edit in flight too
        } else if (u.in_flight && !u.in_flight->held && now - u.in_flight->sent_at >= options_.request_timeout) {
            // Its acknowledgement may have been lost: read the log, and send it again (a duplicate is dropped).
            if (!u.filling) fill(u, UINT64_MAX);
            u.in_flight->sent_at = now;
            host_.counters().resent_edits.fetch_add(1, std::memory_order_relaxed);
            forward(u, u.in_flight->frame, u.in_flight->seq);
        }
    }
}

void Relay::tick(Clock::time_point now) {
    if (users_.empty()) return;
    if (!owner_) {
        if (now - ownerless_since_ >= options_.orphan_limit) {
            for (auto& [id, u] : users_) {
                if (!u.failed) {
                    fail(u, "storage_failure", "no instance could take this document (PostgreSQL unavailable?); reconnect later",
                         close_internal);
                }
            }
            return;
        }
        if (!probing_ && now - last_probe_ >= options_.request_timeout / 4) {
            probing_ = true;
            last_probe_ = now;
            host_.probe(doc_);
        }
        return;
    }
    bool late = false;
    for (auto& [id, u] : users_) {
        if ((u.awaiting && now - u.join_sent_at >= options_.request_timeout) ||
            (u.in_flight && !u.in_flight->held && now - u.in_flight->sent_at >= options_.request_timeout)) {
            late = true;
        }
    }
    if (late && !probing_ && now - last_probe_ >= options_.request_timeout) {
        host_.counters().timeouts.fetch_add(1, std::memory_order_relaxed);
        probing_ = true;
        last_probe_ = now;
        host_.probe(doc_);  // is the owner still the owner? on_probed then retries
    }
}

void Relay::on_message(const WireMessage& m) {
    if (!owner_ || m.instance != owner_->instance || m.epoch != owner_->epoch) return;  // a former owner
    if (m.type == WireType::verdict) {
        auto it = users_.find(m.user);
        if (it != users_.end()) verdict(it->second, m);
        return;
    }
    if (m.type != WireType::frames) return;
    if (m.sent_ms > 0) host_.observe_lag(static_cast<double>(std::max<std::int64_t>(0, wall_ms() - m.sent_ms)) / 1000.0);
    for (const WireItem& wi : m.items) {
        auto item = std::make_shared<Item>();
        item->kind = wi.kind;
        item->frame = make_frame(wi.text);
        item->start = wi.start;
        item->count = wi.count;
        item->close_code = wi.close_code;
        item->join_id = wi.join_id;
        std::shared_ptr<const Item> shared = item;
        for (std::uint64_t uid : wi.users) {
            auto it = users_.find(uid);
            if (it != users_.end() && !it->second.failed) handle(it->second, shared);
        }
    }
}

void Relay::handle(User& u, const std::shared_ptr<const Item>& item) {
    if (u.filling) {
        u.pending.push_back(item);
        return;
    }
    switch (item->kind) {
        case ItemKind::history: handle_history(u, item); break;
        case ItemKind::frame: handle_frame(u, item); break;
        case ItemKind::join_reply: handle_join_reply(u, *item); break;
        case ItemKind::close:
            u.failed = true;
            u.peer->close(static_cast<std::uint16_t>(item->close_code), item->frame->payload());
            break;
    }
}

void Relay::handle_frame(User& u, const std::shared_ptr<const Item>& item) {
    const std::string& f = item->frame->payload();
    if (starts_with(f, "{\"Identity\"")) {
        if (u.replied) return;  // a re-join: the client keeps the identity it has
    } else if (starts_with(f, "{\"Snapshot\"")) {
        const Json& j = item->json();
        const std::uint64_t rev = j.is_discarded() ? 0 : j["Snapshot"].value("revision", std::uint64_t(0));
        if (!u.replied) {
            u.delivered = rev;
        } else {
            // A re-join whose resume point the new owner no longer keeps: bridge from the log.
            if (rev > u.delivered) fill(u, rev);
            return;
        }
    } else if (starts_with(f, "{\"UserInfo\"")) {
        const Json& j = item->json();
        if (!j.is_discarded()) {
            const std::uint64_t who = j["UserInfo"].value("id", std::uint64_t(0));
            if (j["UserInfo"]["info"].is_null()) u.known.erase(who);
            else {
                u.known.insert(who);
                if (u.awaiting) u.seen_in_join.insert(who);
            }
        }
    } else if (starts_with(f, "{\"Rejected\"")) {
        const Json& j = item->json();
        if (u.in_flight && !j.is_discarded() && j["Rejected"]["seq"].is_number() &&
            j["Rejected"]["seq"].get<std::uint64_t>() == u.in_flight->seq) {
            u.peer->deliver(item->frame);
            u.in_flight.reset();
            pump(u);
            return;
        }
    }
    u.peer->deliver(item->frame);
}

void Relay::handle_history(User& u, const std::shared_ptr<const Item>& item) {
    if (!u.replied && !u.awaiting) return;
    const std::uint64_t end = item->start + item->count;
    if (item->start > u.delivered) {
        u.pending.push_front(item);
        fill(u, item->start);
        return;
    }
    if (end <= u.delivered) return;  // delivered already (a re-join's History, or a fill overtook it)
    std::vector<std::uint64_t> authors = item->authors();
    Frame frame = item->frame;
    const std::uint64_t skip = u.delivered - item->start;
    if (skip > 0) {
        const Json& j = item->json();
        std::vector<std::string> entries;
        const auto& ops = j["History"]["operations"];
        for (std::size_t i = skip; i < ops.size(); ++i) entries.push_back(ops[i].dump());
        std::vector<const std::string*> ptrs;
        for (const auto& e : entries) ptrs.push_back(&e);
        frame = make_frame(protocol::history(u.delivered, ptrs));
        authors.erase(authors.begin(), authors.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(skip, authors.size())));
    }
    const bool own = std::find(authors.begin(), authors.end(), u.id) != authors.end();
    u.peer->deliver_history(frame, u.delivered, end - u.delivered, own);
    u.delivered = end;
    acknowledge_if_own(u, authors);
}

void Relay::acknowledge_if_own(User& u, const std::vector<std::uint64_t>& authors) {
    // One edit per user is in flight, so an entry of this user past what was delivered is its acknowledgement.
    if (!u.in_flight) return;
    if (std::find(authors.begin(), authors.end(), u.id) == authors.end()) return;
    u.in_flight.reset();
    pump(u);
}

void Relay::handle_join_reply(User& u, const Item& item) {
    if (item.join_id != u.join_id) return;
    u.awaiting = false;
    const std::string& error = item.frame->payload();
    if (!error.empty()) {
        if (error == "bad_revision") fail(u, "bad_revision", "the requested revision is ahead of the document", close_policy);
        else if (error == "storage_failure") fail(u, "storage_failure", "the document could not be stored", close_internal);
        else if (owner_) {
            // Evicted under the join: the owner lets it go; ask again shortly.
            on_owner_gone(*owner_);
        }
        return;
    }
    if (!u.replied) {
        u.replied = true;
        u.known.insert(u.seen_in_join.begin(), u.seen_in_join.end());
    } else {
        // Users this session knew who were not in the new owner's connect sequence are gone (or
        // not re-joined yet, and will be announced again when they are).
        std::vector<std::uint64_t> gone;
        for (std::uint64_t k : u.known) {
            if (k != u.id && !u.seen_in_join.count(k) && !users_.count(k)) gone.push_back(k);
        }
        for (std::uint64_t k : gone) {
            u.known.erase(k);
            u.peer->deliver(make_frame(protocol::user_info(k, std::nullopt)));
        }
    }
    pump(u);
}

void Relay::fill(User& u, std::uint64_t to) {
    u.filling = true;
    const std::uint64_t from = u.delivered;
    host_.counters().gap_fills.fetch_add(1, std::memory_order_relaxed);
    host_.load_ops(doc_, from, to, [self = shared_from_this(), id = u.id, from, to](auto r) {
        self->filled(id, from, to, std::move(r));
    });
}

void Relay::filled(std::uint64_t id, std::uint64_t from, std::uint64_t to, ot::Result<std::vector<storage::OpRecord>> r) {
    auto it = users_.find(id);
    if (it == users_.end()) return;
    User& u = it->second;
    if (!r) {
        // PostgreSQL unavailable: try again shortly, holding this user's frames meanwhile.
        host_.worker().post_after(std::chrono::milliseconds(250), [self = shared_from_this(), id, to] {
            auto it = self->users_.find(id);
            if (it != self->users_.end() && !it->second.failed) self->fill(it->second, to);
        });
        return;
    }
    std::vector<std::string> entries;
    std::vector<std::uint64_t> authors;
    std::uint64_t next = from;
    for (const auto& op : r.value()) {
        if (op.revision < next) continue;
        if (op.revision != next) break;
        auto parsed = ot::from_json(op.operation_json);
        if (!parsed) break;
        entries.push_back(protocol::history_entry(op.author, parsed.value(), op.client, op.seq));
        authors.push_back(op.author);
        ++next;
    }
    if (to != UINT64_MAX && next < to) {
        u.filling = false;
        u.pending.clear();
        fail(u, "resync", "this connection missed operations that are no longer kept; reconnect", close_internal);
        return;
    }
    if (next > u.delivered) {
        std::vector<const std::string*> ptrs;
        for (const auto& e : entries) ptrs.push_back(&e);
        const bool own = std::find(authors.begin(), authors.end(), u.id) != authors.end();
        u.peer->deliver_history(make_frame(protocol::history(from, ptrs)), from, next - from, own);
        host_.counters().filled_ops.fetch_add(next - from, std::memory_order_relaxed);
        u.delivered = next;
        acknowledge_if_own(u, authors);
    }
    u.filling = false;
    drain_pending(u);
}

void Relay::drain_pending(User& u) {
    while (!u.filling && !u.pending.empty() && !u.failed) {
        auto item = std::move(u.pending.front());
        u.pending.pop_front();
        handle(u, item);
    }
}

void Relay::verdict(User& u, const WireMessage& m) {
    if (m.code == "duplicate") {
        if (u.in_flight && u.in_flight->seq == m.seq) {
            u.in_flight.reset();
            if (!u.filling) fill(u, UINT64_MAX);  // its History may have been lost: the log has it
            pump(u);
        }
    } else if (m.code == "hold") {
        if (u.in_flight && u.in_flight->seq == m.seq) u.in_flight->held = true;
    } else if (m.code == "rejoin") {
        host_.counters().rejoins.fetch_add(1, std::memory_order_relaxed);
        send_join(u);
    } else {
        fail(u, m.code, m.text, static_cast<std::uint16_t>(m.close_code ? m.close_code : close_policy));
    }
}

void Relay::fail(User& u, std::string_view code, std::string_view message, std::uint16_t close_code) {
    if (u.failed) return;
    u.failed = true;
    u.in_flight.reset();
    u.edits.clear();
    u.peer->refuse(code, message, close_code);
}

void Relay::stop_forwarding() { forwarding_ = false; }

bool Relay::settled() const {
    for (const auto& [id, u] : users_) {
        if (u.in_flight && !u.in_flight->held && !u.failed) return false;
    }
    return true;
}

void Relay::close_all(std::uint16_t code, std::string_view reason) {
    for (auto& [id, u] : users_) {
        u.failed = true;
        u.peer->close(code, reason);
    }
}

}  // namespace kolabpad::server::cluster
