#pragma once
// Relay: in distributed mode, every local session of a document talks to this instance's Relay
// for it, whichever instance owns the document (this one included). The relay hands out user
// ids, forwards joins, leaves and client messages to the owner, fans the owner's frames out to
// its sessions, fills History gaps from the PostgreSQL log, keeps each user's unacknowledged edit
// and re-joins every user with a new owner (same id, resume = last revision delivered),
// resending that edit, so that clients stay connected across failovers and hand-overs.
// Public calls (the Room interface) come from any thread and hop onto the cluster's worker;
// everything else runs on the worker. Design: docs/distributed.md, "Relay".

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/wire.hpp"
#include "cluster/worker.hpp"
#include "document/document.hpp"
#include "document/room.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::cluster {

// Who sequences a document: an instance at a lease epoch.
struct OwnerRef {
    std::string instance;
    std::uint64_t epoch = 0;
    bool operator==(const OwnerRef&) const = default;
};

// Counters of all relays of an instance.
struct RelayCounters {
    std::atomic<std::uint64_t> gap_fills{0};       // fills from the PostgreSQL log
    std::atomic<std::uint64_t> filled_ops{0};      // operations delivered from the log
    std::atomic<std::uint64_t> rejoins{0};         // users joined again (new owner, bus reconnect, timeout)
    std::atomic<std::uint64_t> resent_edits{0};    // unacknowledged edits sent again
    std::atomic<std::uint64_t> owner_changes{0};
    std::atomic<std::uint64_t> timeouts{0};        // forwarded requests unanswered within RELAY_TIMEOUT_SECONDS
};

// What a relay needs from its cluster.
class RelayHost {
public:
    virtual ~RelayHost() = default;
    // This instance's id.
    virtual const std::string& instance() const = 0;
    // The worker relays run on.
    virtual Worker& worker() = 0;
    // A user id unique across the cluster (any thread).
    virtual ot::Result<std::uint64_t> next_user_id() = 0;
    // Sends `m` to the owner (worker thread).
    virtual void send_to_owner(const OwnerRef& owner, WireMessage m) = 0;
    // Reads log entries [from, to) of `doc` off the worker; `done` runs on the worker.
    virtual void load_ops(const std::string& doc, std::uint64_t from, std::uint64_t to,
                          std::function<void(ot::Result<std::vector<storage::OpRecord>>)> done) = 0;
    // Finds (or takes) the owner of `doc`; the answer comes back through Relay::on_probed (worker).
    virtual void probe(const std::string& doc) = 0;
    // Shared counters.
    virtual RelayCounters& counters() = 0;
    // Relay lag (owner's send to local delivery), in seconds.
    virtual void observe_lag(double seconds) = 0;
};

// Timing of a relay.
struct RelayOptions {
    std::chrono::milliseconds request_timeout{2000};  // RELAY_TIMEOUT_SECONDS: unanswered join or edit
    std::chrono::milliseconds orphan_limit{30000};     // no owner for this long: sessions fail (DATABASE_RETRY_SECONDS)
};

// One document's relay on this instance.
class Relay final : public document::Room, public std::enable_shared_from_this<Relay> {
public:
    using Clock = std::chrono::steady_clock;

    Relay(RelayHost& host, std::string doc, RelayOptions options);

    // Room (any thread).
    ot::Result<std::uint64_t> join(std::shared_ptr<document::Peer> peer, std::optional<std::uint64_t> resume) override;
    void leave(std::uint64_t user) override;
    document::EditResult edit(std::uint64_t user, protocol::Edit edit) override;
    void set_language(std::uint64_t user, std::string language) override;
    void set_user_info(std::uint64_t user, protocol::UserInfo info) override;
    void set_cursor(std::uint64_t user, protocol::CursorData data) override;
    void set_otp(std::uint64_t user, bool enable) override;
    void create_view_link(std::uint64_t user) override;
    void save_version(std::uint64_t user, std::string name) override;
    void restore(std::uint64_t user, std::uint64_t revision) override;
    void signal(std::uint64_t from, std::uint64_t to, const std::string& data_json) override;

    // Worker thread only from here on.
    // The owner is now `owner` (announcement, probe, lease check); a change re-joins every user.
    void on_owner(const OwnerRef& owner);
    // The owner is gone (lease lost or released): hold everything until the next one.
    void on_owner_gone(const OwnerRef& owner);
    // Answer to RelayHost::probe: the owner as the lease row says, or nullopt (none yet).
    void on_probed(const std::optional<OwnerRef>& owner);
    // A frames or verdict message from the owner.
    void on_message(const WireMessage& m);
    // The bus reconnected: messages may be lost both ways, so every user joins again.
    void on_bus_reconnect();
    // Timeouts; called periodically.
    void tick(Clock::time_point now);
    // Shutdown: no more edits are forwarded (queued ones stay with their clients, who resend).
    void stop_forwarding();
    // True when no forwarded edit awaits its verdict.
    bool settled() const;
    // Closes every local session with `code` (after what is queued for it).
    void close_all(std::uint16_t code, std::string_view reason);

    const std::string& doc() const { return doc_; }
    const std::optional<OwnerRef>& owner() const { return owner_; }
    std::size_t local_users() const { return users_.size(); }
    Clock::time_point empty_since() const { return empty_since_; }
    bool wants_owner() const { return !owner_ && !users_.empty(); }

private:
    struct Item;  // one owner item shared by its local recipients
    struct Edit {
        std::string frame;
        std::uint64_t seq = 0;
        Clock::time_point sent_at{};
        bool held = false;  // the owner was stopping: resend to the next one
    };
    struct User {
        std::uint64_t id = 0;
        std::shared_ptr<document::Peer> peer;
        std::optional<std::uint64_t> resume;  // what the client asked for
        bool replied = false;                 // the first connect sequence was delivered
        bool awaiting = false;                // a join is unanswered
        std::uint64_t join_id = 0;
        Clock::time_point join_sent_at{};
        std::uint64_t delivered = 0;          // revision delivered up to (once replied)
        bool filling = false;
        std::deque<std::shared_ptr<const Item>> pending;  // owner items waiting behind a fill
        std::string secret;                   // relay-made client id for clients without client/seq
        std::uint64_t seq = 0;
        std::deque<Edit> edits;               // not yet forwarded
        std::optional<Edit> in_flight;        // forwarded, not yet acknowledged
        std::optional<std::string> info_frame, cursor_frame;  // resent after a re-join
        std::set<std::uint64_t> known;        // users announced to this session (UserInfo)
        std::set<std::uint64_t> seen_in_join; // users announced in the current connect sequence
        bool failed = false;
    };

    void add_user(std::uint64_t id, std::shared_ptr<document::Peer> peer, std::optional<std::uint64_t> resume);
    void remove_user(std::uint64_t id);
    void client_frame(std::uint64_t id, std::string frame, bool is_info, bool is_cursor);
    void client_edit(std::uint64_t id, protocol::Edit e);
    void send_join(User& u);
    void pump(User& u);
    void forward(User& u, const std::string& frame, std::uint64_t seq);
    void handle(User& u, const std::shared_ptr<const Item>& item);
    void handle_frame(User& u, const std::shared_ptr<const Item>& item);
    void handle_history(User& u, const std::shared_ptr<const Item>& item);
    void handle_join_reply(User& u, const Item& item);
    void acknowledge_if_own(User& u, const std::vector<std::uint64_t>& authors);
    void fill(User& u, std::uint64_t to);
    void filled(std::uint64_t id, std::uint64_t from, std::uint64_t to, ot::Result<std::vector<storage::OpRecord>> r);
    void drain_pending(User& u);
    void fail(User& u, std::string_view code, std::string_view message, std::uint16_t close_code);
    void verdict(User& u, const WireMessage& m);
    void retry_unanswered(Clock::time_point now);

    RelayHost& host_;
    const std::string doc_;
    const RelayOptions options_;
    std::map<std::uint64_t, User> users_;
    std::optional<OwnerRef> owner_;
    Clock::time_point ownerless_since_ = Clock::now();
    Clock::time_point last_probe_{};
    bool probing_ = false;
    bool forwarding_ = true;
    std::uint64_t next_join_id_ = 1;
    Clock::time_point empty_since_ = Clock::now();
};

}  // namespace kolabpad::server::cluster
