#include "cluster/remote_peer.hpp"

#include <chrono>

#include "cluster/worker.hpp"
#include "net/access.hpp"

namespace kolabpad::server::cluster {

std::atomic<std::uint64_t> Outbox::messages_sent{0};
std::atomic<std::uint64_t> Outbox::items_sent{0};
std::atomic<std::uint64_t> Outbox::deliveries_sent{0};

Outbox::Outbox(std::string doc, std::uint64_t epoch, std::string self, std::string destination, Send send, Valid valid,
               Worker& flush_on)
    : doc_(std::move(doc)),
      epoch_(epoch),
      self_(std::move(self)),
      destination_(std::move(destination)),
      send_(std::move(send)),
      valid_(std::move(valid)),
      worker_(flush_on) {}

void Outbox::add(std::vector<Entry> entries) {
    bool schedule = false;
    {
        std::lock_guard lock(mu_);
        if (muted_) return;
        schedule = entries_.empty();
        for (auto& e : entries) entries_.push_back(std::move(e));
    }
    if (schedule) worker_.post([self = shared_from_this()] { self->flush(); });
}

void Outbox::mute() {
    std::lock_guard lock(mu_);
    muted_ = true;
    entries_.clear();
}

void Outbox::flush() {
    if (valid_ && !valid_()) {
        mute();
        return;
    }
    std::vector<Entry> entries;
    {
        std::lock_guard lock(mu_);
        if (muted_) return;
        entries.swap(entries_);
    }
    if (entries.empty()) return;
    WireMessage m;
    m.type = WireType::frames;
    m.doc = doc_;
    m.epoch = epoch_;
    m.instance = self_;
    m.sent_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
    std::vector<const void*> frame_of;  // per item: the frame object it carries (grouping key)
    std::uint64_t deliveries = 0;
    for (auto& e : entries) {
        ++deliveries;
        const bool framed = e.kind == ItemKind::frame || e.kind == ItemKind::history;
        if (framed && !m.items.empty() && frame_of.back() == e.frame.get() && m.items.back().kind == e.kind) {
            // The same frame object for the next user: one item, one more recipient.
            m.items.back().users.push_back(e.user);
            continue;
        }
        WireItem it;
        it.kind = e.kind;
        it.users.push_back(e.user);
        it.start = e.start;
        it.count = e.count;
        it.join_id = e.join_id;
        it.close_code = e.close_code;
        it.text = framed ? e.frame->payload() : std::move(e.text);
        m.items.push_back(std::move(it));
        frame_of.push_back(framed ? e.frame.get() : nullptr);
    }
    messages_sent.fetch_add(1, std::memory_order_relaxed);
    items_sent.fetch_add(m.items.size(), std::memory_order_relaxed);
    deliveries_sent.fetch_add(deliveries, std::memory_order_relaxed);
    send_(destination_, std::move(m));
}

void RemotePeer::add(Outbox::Entry e) {
    std::lock_guard lock(mu_);
    if (collecting_) {
        collected_.push_back(std::move(e));
        return;
    }
    std::vector<Outbox::Entry> one;
    one.push_back(std::move(e));
    outbox_->add(std::move(one));
}

document::PeerAccess peer_access(const WireMessage& join) {
    // An admission this build does not know counts as open: it only decides who a new read-only
    // link closes and what the admin API shows; what the user may do was decided where it connected.
    const net::Admission a = net::admission_of(join.via).value_or(net::Admission::open);
    return document::PeerAccess{join.read_only, a == net::Admission::view_link, net::admission_name(a)};
}

void RemotePeer::deliver(document::Frame frame) {
    Outbox::Entry e;
    e.kind = ItemKind::frame;
    e.user = user_;
    e.frame = std::move(frame);
    add(std::move(e));
}

void RemotePeer::deliver_history(document::Frame frame, std::uint64_t start, std::uint64_t count,
                                 bool) {
    Outbox::Entry e;
    e.kind = ItemKind::history;
    e.user = user_;
    e.frame = std::move(frame);
    e.start = start;
    e.count = count;
    add(std::move(e));
}

void RemotePeer::close(std::uint16_t code, std::string_view reason) {
    Outbox::Entry e;
    e.kind = ItemKind::close;
    e.user = user_;
    e.close_code = code;
    e.text = std::string(reason);
    add(std::move(e));
}

void RemotePeer::finish_join(std::uint64_t join_id, const std::string& error) {
    std::lock_guard lock(mu_);
    Outbox::Entry marker;
    marker.kind = ItemKind::join_reply;
    marker.user = user_;
    marker.join_id = join_id;
    marker.text = error;
    collected_.push_back(std::move(marker));
    collecting_ = false;
    outbox_->add(std::move(collected_));
    collected_.clear();
}

}  // namespace kolabpad::server::cluster
