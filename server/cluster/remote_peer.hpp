#pragma once
// The owner's side of a user connected to another instance (or to this instance's relay): the
// owner's Document sees a RemotePeer like any other Peer; its frames go into the Outbox of the
// user's instance, which sends the frames of one broadcast to all its users there as ONE bus
// message (consecutive deliveries of the same frame object become one item listing recipients).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/wire.hpp"
#include "document/peer.hpp"

namespace kolabpad::server::cluster {

class Worker;

// Frames of one owned document for one destination instance, waiting to be sent.
class Outbox : public std::enable_shared_from_this<Outbox> {
public:
    using Frame = document::Frame;
    // Sends one message to `instance` (the bus, or this instance's own relays).
    using Send = std::function<void(const std::string& instance, WireMessage message)>;

    // One thing for one user.
    struct Entry {
        ItemKind kind = ItemKind::frame;
        std::uint64_t user = 0;
        Frame frame;            // frame / history
        std::string text;       // close reason, join_reply error
        std::uint64_t start = 0, count = 0, close_code = 0, join_id = 0;
    };

    // True while the owner may still speak for the document (its lease is valid locally).
    using Valid = std::function<bool()>;

    // `flush_on` runs the flushes (the cluster's worker); `self` is the owner's instance id. A
    // flush when `valid` is false mutes the outbox instead: an owner that was paused past its
    // lease says nothing more, not even the storage failures of its fenced writes.
    Outbox(std::string doc, std::uint64_t epoch, std::string self, std::string destination, Send send, Valid valid,
           Worker& flush_on);
    // Queues entries (any thread, document lock may be held); the first into an empty outbox
    // schedules one flush on the worker, so a broadcast's deliveries leave together.
    void add(std::vector<Entry> entries);
    // Sends what is queued as one message (on the worker); nothing once muted.
    void flush();
    // Drops what is queued and everything added later (the lease is gone).
    void mute();
    const std::string& destination() const { return destination_; }
    // Bus messages and items sent (for metrics).
    static std::atomic<std::uint64_t> messages_sent, items_sent, deliveries_sent;

private:
    const std::string doc_;
    const std::uint64_t epoch_;
    const std::string self_;
    const std::string destination_;
    Send send_;
    Valid valid_;
    Worker& worker_;
    std::mutex mu_;
    std::vector<Entry> entries_;
    bool muted_ = false;
};

// How a join says its connection was let in, as the owner's Document sees it.
document::PeerAccess peer_access(const WireMessage& join);

// A user whose connection is on another instance (or behind this instance's relay).
class RemotePeer final : public document::Peer {
public:
    // `access` is how the user's own connection was let in (carried by its join).
    RemotePeer(std::shared_ptr<Outbox> outbox, std::uint64_t user, document::PeerAccess access = {})
        : outbox_(std::move(outbox)), user_(user), access_(access) {}
    void deliver(document::Frame frame) override;
    void deliver_history(document::Frame frame, std::uint64_t start, std::uint64_t count,
                         bool own) override;
    void close(std::uint16_t code, std::string_view reason) override;
    document::PeerAccess access() const override { return access_; }
    // Ends the connect sequence of join `join_id`: everything delivered so far (collected since
    // construction) goes out followed by the join_reply marker carrying `error` ("" when joined);
    // later frames go out as they come.
    void finish_join(std::uint64_t join_id, const std::string& error);
    const std::string& instance() const { return outbox_->destination(); }

private:
    void add(Outbox::Entry e);

    std::shared_ptr<Outbox> outbox_;
    const std::uint64_t user_;
    const document::PeerAccess access_;
    std::mutex mu_;
    bool collecting_ = true;
    std::vector<Outbox::Entry> collected_;
};

}  // namespace kolabpad::server::cluster
