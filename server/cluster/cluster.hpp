#pragma once
// Cluster: distributed mode (DATABASE_URL + REDIS_URL). Owns this instance's bus connection,
// lease manager, user-id blocks, one Relay per document with local clients, and the Documents
// this instance owns (each run by the one Document class, its users behind RemotePeers). All of
// that state lives on one worker thread; blocking PostgreSQL calls run on a second one.
// docs/distributed.md describes the protocol between instances.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/lease_manager.hpp"
#include "cluster/redis_bus.hpp"
#include "cluster/relay.hpp"
#include "cluster/remote_peer.hpp"
#include "cluster/worker.hpp"
#include "config/config.hpp"
#include "document/registry.hpp"
#include "metrics/histogram.hpp"
#include "metrics/telemetry.hpp"
#include "storage/pg_storage.hpp"

namespace kolabpad::server::cluster {

// Who owns a document, as the admin API shows it.
struct OwnerView {
    std::string owner;       // instance id ("" when nobody holds a valid lease)
    std::uint64_t epoch = 0;
    bool here = false;       // this instance
    std::int64_t expires_in_ms = 0;
    std::optional<std::string> successor;
};

// This instance in a cluster.
class Cluster final : public RelayHost {
public:
    // Connects to Redis (waits until subscribed) and to PostgreSQL for leases and user ids;
    // fails with a message naming the setting at fault. `storage` and `registry` outlive it.
    static ot::Result<std::unique_ptr<Cluster>> start(const Config& config, storage::PgStorage& storage,
                                                      document::Registry& registry, document::Limits limits,
                                                      Telemetry* telemetry);
    ~Cluster() override;

    // The room of document `id` for a new connection: this instance's relay for it.
    ot::Result<std::shared_ptr<document::Room>> room(const std::string& id);
    // Graceful stop within `budget`: hands every owned document over (stop sequencing, commit and
    // acknowledge what is queued, release the lease naming a successor, announce), waits for
    // forwarded edits to be answered, then closes local sessions with 1001.
    void shutdown(std::chrono::milliseconds budget);
    // The owner of `id` (from the lease row; blocking read).
    ot::Result<OwnerView> owner_of(const std::string& id);
    // Fields for /api/health (a JSON object's members, starting with a comma).
    std::string health_json();
    // Lines for /api/metrics (Prometheus text).
    void append_prometheus(std::string& out);
    // Fields for /api/metrics?format=json (starting with a comma).
    std::string metrics_json();
    // True while Redis and PostgreSQL (lease renewals, lease reads) work.
    bool healthy() const;
    // True unless the latest lease renewal or lease read failed.
    bool database_reachable() const;

    // RelayHost.
    const std::string& instance() const override { return instance_; }
    Worker& worker() override { return worker_; }
    ot::Result<std::uint64_t> next_user_id() override;
    void send_to_owner(const OwnerRef& owner, WireMessage m) override;
    void load_ops(const std::string& doc, std::uint64_t from, std::uint64_t to,
                  std::function<void(ot::Result<std::vector<storage::OpRecord>>)> done) override;
    void probe(const std::string& doc) override;
    RelayCounters& counters() override { return counters_; }
    void observe_lag(double seconds) override { relay_lag_.observe(seconds); }

private:
    struct Owned {
        std::uint64_t epoch = 0;
        std::shared_ptr<document::Document> doc;
        std::map<std::uint64_t, std::shared_ptr<RemotePeer>> peers;  // by user
        std::map<std::string, std::shared_ptr<Outbox>> outboxes;      // by instance
        std::chrono::steady_clock::time_point empty_since = std::chrono::steady_clock::now();
    };
    struct RelayEntry {
        std::shared_ptr<Relay> relay;
        std::chrono::steady_clock::time_point last_room{};
    };

    Cluster(const Config& config, storage::PgStorage& storage, document::Registry& registry, document::Limits limits,
            Telemetry* telemetry);
    std::shared_ptr<Relay> relay(const std::string& doc);
    std::vector<std::shared_ptr<Relay>> relays();
    void on_instance_message(std::string_view payload);
    void on_owner_message(std::string_view payload);
    void route(const std::string& instance, WireMessage m);
    void owner_receive(const WireMessage& m);
    void owner_client(Owned& o, const WireMessage& m);
    void verdict(const WireMessage& to, const std::string& code, const std::string& message, std::uint16_t close_code);
    void evaluate(const std::string& doc, const ot::Result<std::optional<LeaseInfo>>& lease);
    void take(const std::string& doc);
    void install(const std::string& doc, std::uint64_t epoch, std::shared_ptr<document::Document> d);
    void drop_owned(const std::string& doc, bool release);
    void lease_lost(const std::string& doc, std::uint64_t epoch);
    void tick();
    void poll_leases();
    void announce(WireType type, const std::string& doc, std::uint64_t epoch, const std::string& successor = {});
    std::shared_ptr<Outbox> outbox(Owned& o, const std::string& doc, const std::string& instance);
    // Runs `f` on the worker and waits for it (at most `timeout`); false on timeout.
    bool on_worker(std::function<void()> f, std::chrono::milliseconds timeout);

    const Config& config_;
    const std::string instance_;
    storage::PgStorage& storage_;
    document::Registry& registry_;
    const document::Limits limits_;
    Telemetry* const telemetry_;
    const std::chrono::milliseconds lease_;
    const RelayOptions relay_options_;

    Worker worker_{"cluster"};
    // Blocking PostgreSQL work, per document in order; as many threads as reader connections + 1,
    // so that taking over many documents at once (a failover) loads them in parallel.
    WorkerPool db_;
    std::unique_ptr<RedisBus> bus_;
    std::unique_ptr<LeaseManager> leases_;

    std::mutex ids_mu_;
    UserIdBlock ids_{};
    std::uint64_t ids_used_ = 0;

    std::mutex relays_mu_;
    std::map<std::string, RelayEntry> relays_;

    // Worker only.
    std::map<std::string, Owned> owned_;
    std::set<std::string> taking_;
    std::map<std::string, std::chrono::steady_clock::time_point> last_seen_;  // instance -> last alive
    std::chrono::steady_clock::time_point last_alive_{}, last_poll_{};
    bool stopping_ = false;
    bool polling_ = false;

    std::atomic<bool> db_ok_{true};
    std::atomic<std::size_t> owned_count_{0};
    std::atomic<std::size_t> relayed_count_{0};
    std::atomic<std::uint64_t> takeovers_{0}, handovers_{0}, fenced_drops_{0}, bad_messages_{0};
    RelayCounters counters_;
    metrics::Histogram relay_lag_;
    metrics::Histogram fill_latency_;
};

}  // namespace kolabpad::server::cluster
