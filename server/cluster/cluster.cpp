#include "cluster/cluster.hpp"

#include <future>

#include "log/log.hpp"
#include "session/frame_handler.hpp"

namespace kolabpad::server::cluster {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds ms(double seconds) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// How long an owned document with no user at all is kept before its lease is released.
std::chrono::milliseconds idle_release(std::chrono::milliseconds lease) { return std::max(lease * 2, std::chrono::milliseconds(2000)); }
// A relay with no local session for this long is dropped.
constexpr std::chrono::seconds relay_idle{10};
// How often every instance says it is alive, and how long silence means it is gone.
constexpr std::chrono::seconds alive_interval{1};

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}

}  // namespace

Cluster::Cluster(const Config& config, storage::PgStorage& storage, document::Registry& registry,
                 document::Limits limits, Telemetry* telemetry)
    : config_(config),
      instance_(config.instance_id),
      storage_(storage),
      registry_(registry),
      limits_(limits),
      telemetry_(telemetry),
      lease_(ms(config.lease_seconds)),
      relay_options_{ms(config.relay_timeout_seconds),
                     std::max(ms(config.database_retry_seconds), ms(config.lease_seconds) * 3)},
      db_("cluster-db", config.database_read_connections + 1) {}

ot::Result<std::unique_ptr<Cluster>> Cluster::start(const Config& config, storage::PgStorage& storage,
                                                    document::Registry& registry, document::Limits limits,
                                                    Telemetry* telemetry) {
    std::unique_ptr<Cluster> c(new Cluster(config, storage, registry, limits, telemetry));
    const auto timeout = ms(config.database_timeout_seconds);
    auto renewals = LeaseStore::open(config.database_url, config.instance_id, timeout);
    if (!renewals) return ot::Error{"DATABASE_URL: lease connection: " + renewals.error()};
    auto calls = LeaseStore::open(config.database_url, config.instance_id, timeout);
    if (!calls) return ot::Error{"DATABASE_URL: lease connection: " + calls.error()};
    // The local expiry runs a fifth of the lease ahead of the database's: room for the renewal's
    // own round trip and for clocks that run at slightly different rates.
    Cluster* self = c.get();
    c->leases_ = std::make_unique<LeaseManager>(std::move(renewals).value(), std::move(calls).value(), config.instance_id,
                                                c->lease_, c->lease_ / 5, [self](const std::string& d, std::uint64_t e) {
                                                    self->worker_.post([self, d, e] { self->lease_lost(d, e); });
                                                });
    auto block = c->leases_->store().reserve_user_ids();
    if (!block) return ot::Error{"DATABASE_URL: cannot reserve user ids: " + block.error()};
    c->ids_ = block.value();

    auto address = parse_redis_url(config.redis_url);
    if (!address) return ot::Error{"REDIS_URL: " + address.error()};
    RedisBusOptions bo;
    bo.max_queue = config.redis_publish_queue_limit;
    bo.client_name = "kolabpad-" + config.instance_id;
    c->bus_ = std::make_unique<RedisBus>(address.value(), bo);
    c->bus_->subscribe(instance_channel(c->instance_), [self](std::string_view p) { self->on_instance_message(p); });
    c->bus_->subscribe(std::string(alive_channel), [self](std::string_view p) {
        auto m = decode(p);
        if (!m) return;
        self->worker_.post([self, who = m->instance] { self->last_seen_[who] = Clock::now(); });
    });
    c->bus_->on_reconnect([self] {
        self->worker_.post([self] {
            for (auto& r : self->relays()) r->on_bus_reconnect();
        });
    });
    if (!c->bus_->wait_ready(std::chrono::seconds(10))) {
        return ot::Error{"REDIS_URL: cannot reach Redis at " + address->label() + " within 10 s"};
    }
    c->worker_.post([self] { self->tick(); });
    log::info("cluster joined", {{"instance", c->instance_}, {"redis", address->label()},
                                  {"lease_seconds", fmt(config.lease_seconds)},
                                  {"user_ids", std::to_string(c->ids_.first) + "+" + std::to_string(c->ids_.count)}});
    return c;
}

Cluster::~Cluster() {
    worker_.stop();
    db_.stop();
    if (bus_) bus_->stop();
    if (leases_) leases_->stop();
}

ot::Result<std::uint64_t> Cluster::next_user_id() {
    std::lock_guard lock(ids_mu_);
    if (ids_used_ >= ids_.count) {
        // Once per user_id_block_size joins: one nextval round trip.
        auto b = leases_->store().reserve_user_ids();
        if (!b) return ot::Error{b.error()};
        ids_ = b.value();
        ids_used_ = 0;
        log::info("user id block", {{"first", std::to_string(ids_.first)}, {"count", std::to_string(ids_.count)}});
    }
    return ids_.first + ids_used_++;
}

std::shared_ptr<Relay> Cluster::relay(const std::string& doc) {
    std::lock_guard lock(relays_mu_);
    auto it = relays_.find(doc);
    return it == relays_.end() ? nullptr : it->second.relay;
}

std::vector<std::shared_ptr<Relay>> Cluster::relays() {
    std::vector<std::shared_ptr<Relay>> out;
    std::lock_guard lock(relays_mu_);
    for (auto& [d, e] : relays_) out.push_back(e.relay);
    return out;
}

ot::Result<std::shared_ptr<document::Room>> Cluster::room(const std::string& id) {
    std::shared_ptr<Relay> r;
    bool fresh = false;
    {
        std::lock_guard lock(relays_mu_);
        auto& e = relays_[id];
        if (!e.relay) {
            e.relay = std::make_shared<Relay>(*this, id, relay_options_);
            fresh = true;
        }
        e.last_room = Clock::now();
        r = e.relay;
    }
    if (fresh) {
        bus_->subscribe(owner_channel(id), [this](std::string_view p) { on_owner_message(p); });
    }
    return std::shared_ptr<document::Room>(r);
}

// ---- bus input -----------------------------------------------------------------------------

void Cluster::on_instance_message(std::string_view payload) {
    auto m = decode(payload);
    if (!m) {
        bad_messages_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    worker_.post([this, m = std::move(m).value()] {
        switch (m.type) {
            case WireType::join:
            case WireType::leave:
            case WireType::client: owner_receive(m); break;
            case WireType::frames:
            case WireType::verdict:
                if (auto r = relay(m.doc)) r->on_message(m);
                break;
            default: break;
        }
    });
}

void Cluster::on_owner_message(std::string_view payload) {
    auto m = decode(payload);
    if (!m) {
        bad_messages_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    worker_.post([this, m = std::move(m).value()] {
        auto r = relay(m.doc);
        if (!r) return;
        if (m.type == WireType::announce) {
            if (m.instance != instance_) r->on_owner(OwnerRef{m.instance, m.epoch});
        } else if (m.type == WireType::release) {
            if (m.instance != instance_) r->on_owner_gone(OwnerRef{m.instance, m.epoch});
            if (m.successor == instance_ && !stopping_) take(m.doc);
        }
    });
}

void Cluster::route(const std::string& instance, WireMessage m) {
    if (instance == instance_) {
        worker_.post([this, m = std::move(m)] {
            if (m.type == WireType::frames || m.type == WireType::verdict) {
                if (auto r = relay(m.doc)) r->on_message(m);
            } else {
                owner_receive(m);
            }
        });
        return;
    }
    bus_->publish(instance_channel(instance), encode(m));
}

void Cluster::send_to_owner(const OwnerRef& owner, WireMessage m) { route(owner.instance, std::move(m)); }

// ---- owner side ----------------------------------------------------------------------------

std::shared_ptr<Outbox> Cluster::outbox(Owned& o, const std::string& doc, const std::string& instance) {
    auto& box = o.outboxes[instance];
    if (!box) {
        box = std::make_shared<Outbox>(
            doc, o.epoch, instance_, instance, [this](const std::string& to, WireMessage m) { route(to, std::move(m)); },
            [this, doc, epoch = o.epoch] { return leases_->valid(doc, epoch); }, worker_);
    }
    return box;
}

void Cluster::verdict(const WireMessage& to, const std::string& code, const std::string& message, std::uint16_t close_code) {
    WireMessage v;
    v.type = WireType::verdict;
    v.doc = to.doc;
    v.epoch = to.epoch;
    v.instance = instance_;
    v.user = to.user;
    v.seq = to.seq;
    v.code = code;
    v.text = message;
    v.close_code = close_code;
    route(to.instance, std::move(v));
}

void Cluster::owner_receive(const WireMessage& m) {
    auto it = owned_.find(m.doc);
    if (it == owned_.end() || it->second.epoch != m.epoch) return;  // not (or no longer) ours: the relay asks again
    Owned& o = it->second;
    if (!leases_->valid(m.doc, o.epoch)) {
        // Paused or cut off past the lease: someone else may own it now. Sequence nothing more.
        fenced_drops_.fetch_add(1, std::memory_order_relaxed);
        leases_->lost(m.doc, o.epoch);
        drop_owned(m.doc, false);
        return;
    }
    switch (m.type) {
        case WireType::join: {
            auto peer = std::make_shared<RemotePeer>(outbox(o, m.doc, m.instance), m.user, peer_access(m));
            auto r = o.doc->join_as(m.user, peer, m.resume);
            peer->finish_join(m.join_id, r ? std::string() : r.error());
            if (r) o.peers[m.user] = std::move(peer);
            break;
        }
        case WireType::leave:
            if (o.peers.erase(m.user) > 0) o.doc->leave(m.user);
            if (o.peers.empty()) o.empty_since = Clock::now();
            break;
        case WireType::client: owner_client(o, m); break;
        default: break;
    }
}

void Cluster::owner_client(Owned& o, const WireMessage& m) {
    auto p = o.peers.find(m.user);
    if (p == o.peers.end() || p->second->instance() != m.instance) {
        verdict(m, "rejoin", "", 0);
        return;
    }
    auto r = session::handle_frame(o.doc.get(), m.user, m.text);
    if (r.error) {
        verdict(m, r.error->code, r.error->message, r.error->close_code);
        return;
    }
    if (!r.edit) return;
    using document::EditStatus;
    switch (r.edit->status) {
        case EditStatus::applied:
        case EditStatus::rejected:
        case EditStatus::closed: break;
        case EditStatus::duplicate: verdict(m, "duplicate", "", 0); break;
        case EditStatus::shutting_down: verdict(m, "hold", "", 0); break;
        case EditStatus::bad_revision: verdict(m, "bad_revision", r.edit->message, document::close_policy); break;
        case EditStatus::bad_operation: verdict(m, "bad_operation", r.edit->message, document::close_policy); break;
        case EditStatus::bad_seq: verdict(m, "bad_seq", r.edit->message, document::close_policy); break;
        case EditStatus::storage_failure: verdict(m, "storage_failure", r.edit->message, document::close_internal); break;
    }
}

void Cluster::probe(const std::string& doc) {
    db_.post(doc, [this, doc] {
        auto lease = leases_->store().read(doc);
        db_ok_ = lease.ok();
        worker_.post([this, doc, lease = std::move(lease)] { evaluate(doc, lease); });
    });
}

void Cluster::evaluate(const std::string& doc, const ot::Result<std::optional<LeaseInfo>>& lease) {
    auto r = relay(doc);
    if (!lease) {
        if (r) r->on_probed(std::nullopt);
        return;
    }
    const auto& info = lease.value();
    if (stopping_) {
        if (r) r->on_probed(info && !info->expired && !info->successor ? std::optional<OwnerRef>(OwnerRef{info->owner, info->epoch})
                                                                        : std::nullopt);
        return;
    }
    if (!info || info->expired || (info->successor && *info->successor == instance_)) {
        take(doc);
        return;
    }
    if (info->owner == instance_) {
        auto it = owned_.find(doc);
        if (it != owned_.end() && it->second.epoch == info->epoch) {
            if (r) r->on_probed(OwnerRef{instance_, info->epoch});
        } else if (!info->successor) {
            take(doc);  // a lease of an earlier run of this instance, or one it lost locally
        } else if (r) {
            r->on_probed(std::nullopt);
        }
        return;
    }
    if (info->successor) {
        if (r) r->on_probed(std::nullopt);  // reserved for its successor, which announces itself
        return;
    }
    if (r) r->on_probed(OwnerRef{info->owner, info->epoch});
}

void Cluster::take(const std::string& doc) {
    if (stopping_ || owned_.count(doc) || !taking_.insert(doc).second) return;
    db_.post(doc, [this, doc] {
        auto got = leases_->acquire(doc);
        if (!got) {
            log::warn("cannot acquire lease", {{"document", doc}, {"error", got.error()}});
            worker_.post([this, doc] {
                taking_.erase(doc);
                if (auto r = relay(doc)) r->on_probed(std::nullopt);
            });
            return;
        }
        if (const auto* held = std::get_if<HeldBy>(&got.value())) {
            std::optional<OwnerRef> owner;
            if (!held->successor) owner = OwnerRef{held->owner, held->epoch};
            worker_.post([this, doc, owner] {
                taking_.erase(doc);
                if (auto r = relay(doc)) r->on_probed(owner);
            });
            return;
        }
        const auto epoch = std::get<Lease>(got.value()).epoch;
        // Everything the former owner committed is visible now: its batches held the lease row
        // FOR SHARE, so our acquisition waited for them (docs/distributed.md, "Fencing").
        auto record = storage_.load(doc);
        ot::Result<std::shared_ptr<document::Document>> d = ot::Error{"not loaded"};
        if (record) d = document::Document::create(doc, record.value(), limits_, &storage_, epoch, telemetry_);
        if (!d) {
            log::error("cannot load owned document", {{"document", doc}, {"error", record ? d.error() : record.error()}});
            (void)leases_->release(doc, epoch, std::nullopt);
            worker_.post([this, doc] {
                taking_.erase(doc);
                if (auto r = relay(doc)) r->on_probed(std::nullopt);
            });
            return;
        }
        d.value()->set_job_runner(registry_.job_runner());  // restores read storage there
        worker_.post([this, doc, epoch, d = std::move(d).value()] { install(doc, epoch, d); });
    });
}

void Cluster::install(const std::string& doc, std::uint64_t epoch, std::shared_ptr<document::Document> d) {
    taking_.erase(doc);
    if (stopping_ || !leases_->valid(doc, epoch)) {
        leases_->forget(doc, epoch);
        if (auto r = relay(doc)) r->on_probed(std::nullopt);
        return;
    }
    Owned& o = owned_[doc];
    o.epoch = epoch;
    o.doc = d;
    o.empty_since = Clock::now();
    d->set_on_broken([this, doc, epoch] {
        worker_.post([this, doc, epoch] {
            auto it = owned_.find(doc);
            if (it != owned_.end() && it->second.epoch == epoch) drop_owned(doc, true);
        });
    });
    registry_.adopt(doc, d);
    takeovers_.fetch_add(1, std::memory_order_relaxed);
    owned_count_ = owned_.size();
    log::info("document owned", {{"document", doc}, {"epoch", std::to_string(epoch)}, {"revision", std::to_string(d->revision())}});
    announce(WireType::announce, doc, epoch);
    if (auto r = relay(doc)) r->on_owner(OwnerRef{instance_, epoch});
}

void Cluster::announce(WireType type, const std::string& doc, std::uint64_t epoch, const std::string& successor) {
    WireMessage m;
    m.type = type;
    m.doc = doc;
    m.epoch = epoch;
    m.instance = instance_;
    m.successor = successor;
    bus_->publish(owner_channel(doc), encode(m));
}

void Cluster::drop_owned(const std::string& doc, bool release) {
    auto it = owned_.find(doc);
    if (it == owned_.end()) return;
    Owned o = std::move(it->second);
    owned_.erase(it);
    owned_count_ = owned_.size();
    for (auto& [inst, box] : o.outboxes) box->mute();
    o.doc->stop_edits();
    registry_.forget(doc, o.doc.get());
    if (release) {
        db_.post(doc, [this, doc, epoch = o.epoch] { (void)leases_->release(doc, epoch, std::nullopt); });
    } else {
        leases_->forget(doc, o.epoch);
    }
    log::info("document let go", {{"document", doc}, {"epoch", std::to_string(o.epoch)}, {"released", release ? "yes" : "no"}});
    if (auto r = relay(doc)) r->on_owner_gone(OwnerRef{instance_, o.epoch});
}

void Cluster::lease_lost(const std::string& doc, std::uint64_t epoch) {
    auto it = owned_.find(doc);
    if (it == owned_.end() || it->second.epoch != epoch) return;
    fenced_drops_.fetch_add(1, std::memory_order_relaxed);
    drop_owned(doc, false);
}

void Cluster::load_ops(const std::string& doc, std::uint64_t from, std::uint64_t to,
                       std::function<void(ot::Result<std::vector<storage::OpRecord>>)> done) {
    db_.post(doc, [this, doc, from, to, done = std::move(done)]() mutable {
        const auto started = Clock::now();
        auto r = storage_.load_ops(doc, from, to);
        fill_latency_.observe(Clock::now() - started);
        worker_.post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    });
}

// ---- periodic ------------------------------------------------------------------------------

void Cluster::tick() {
    const auto now = Clock::now();
    std::size_t relayed = 0;
    for (auto& r : relays()) {
        r->tick(now);
        if (r->owner() && r->owner()->instance != instance_) ++relayed;
    }
    relayed_count_ = relayed;
    {
        std::vector<std::string> gone;
        std::lock_guard lock(relays_mu_);
        for (auto it = relays_.begin(); it != relays_.end();) {
            auto& e = it->second;
            if (e.relay->local_users() == 0 && now - e.relay->empty_since() > relay_idle && now - e.last_room > relay_idle) {
                gone.push_back(it->first);
                it = relays_.erase(it);
            } else {
                ++it;
            }
        }
        for (const auto& d : gone) bus_->unsubscribe(owner_channel(d));
    }
    std::vector<std::string> idle;
    for (auto& [doc, o] : owned_) {
        // Users of an instance that stopped saying it is alive are gone with it.
        std::vector<std::uint64_t> dead;
        for (auto& [uid, peer] : o.peers) {
            if (peer->instance() == instance_) continue;
            auto seen = last_seen_.find(peer->instance());
            const auto silent = seen == last_seen_.end() ? std::chrono::steady_clock::duration::max() : now - seen->second;
            if (silent > std::max<std::chrono::steady_clock::duration>(alive_interval * 3, lease_) &&
                now - o.empty_since > alive_interval * 3) {
                dead.push_back(uid);
            }
        }
        for (auto uid : dead) {
            o.peers.erase(uid);
            o.doc->leave(uid);
            if (o.peers.empty()) o.empty_since = now;
        }
        if (o.doc->evicted() || (o.peers.empty() && now - o.empty_since > idle_release(lease_) && o.doc->evictable(Clock::now()))) {
            idle.push_back(doc);
        }
    }
    for (const auto& doc : idle) {
        auto it = owned_.find(doc);
        if (it != owned_.end() && !it->second.doc->evicted()) it->second.doc->save_snapshot();
        drop_owned(doc, true);
    }
    if (now - last_alive_ >= alive_interval) {
        last_alive_ = now;
        WireMessage m;
        m.type = WireType::alive;
        m.instance = instance_;
        bus_->publish(std::string(alive_channel), encode(m));
    }
    const auto poll = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(1000), lease_ / 4);
    if (now - last_poll_ >= poll && !polling_) {
        last_poll_ = now;
        poll_leases();
    }
    const auto period = std::max(std::chrono::milliseconds(20), std::min(std::chrono::milliseconds(100), relay_options_.request_timeout / 8));
    worker_.post_after(period, [this] { tick(); });
}

void Cluster::poll_leases() {
    // One statement for every document relayed here: an owner that died is noticed within the
    // poll interval of its lease expiring, without waiting for a forwarded request to time out.
    std::vector<std::string> docs;
    for (auto& r : relays()) {
        if (r->local_users() > 0 && !owned_.count(r->doc())) docs.push_back(r->doc());
    }
    if (docs.empty()) return;
    polling_ = true;
    db_.post("", [this, docs] {
        auto rows = leases_->store().read_many(docs);
        worker_.post([this, docs, rows = std::move(rows)] {
            polling_ = false;
            db_ok_ = rows.ok();
            if (!rows) return;
            std::map<std::string, LeaseInfo> by_doc(rows->begin(), rows->end());
            for (const auto& d : docs) {
                auto r = relay(d);
                if (!r) continue;
                auto it = by_doc.find(d);
                const std::optional<LeaseInfo> info = it == by_doc.end() ? std::nullopt : std::optional<LeaseInfo>(it->second);
                // Only what needs doing: a dead owner, a new one, or a relay that has none.
                const bool dead = !info || info->expired;
                const bool changed = info && r->owner() && (r->owner()->instance != info->owner || r->owner()->epoch != info->epoch);
                if (dead || changed || !r->owner()) evaluate(d, ot::Result<std::optional<LeaseInfo>>(info));
            }
        });
    });
}

// ---- shutdown ------------------------------------------------------------------------------

bool Cluster::on_worker(std::function<void()> f, std::chrono::milliseconds timeout) {
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    worker_.post([f = std::move(f), done] {
        f();
        done->set_value();
    });
    return fut.wait_for(timeout) == std::future_status::ready;
}

void Cluster::shutdown(std::chrono::milliseconds budget) {
    const auto deadline = Clock::now() + budget;
    auto left = [&] {
        return std::max(std::chrono::milliseconds(1),
                        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    };
    struct Handover {
        std::string doc;
        std::uint64_t epoch;
        std::string successor;
    };
    std::vector<Handover> handovers;
    on_worker([&] {
        stopping_ = true;
        for (auto& r : relays()) r->stop_forwarding();
        for (auto& [doc, o] : owned_) o.doc->stop_edits();
    }, left());
    // Commit what was sequenced: each commit's History goes to every user, on every instance.
    storage_.flush();
    on_worker([&] {
        for (auto& [doc, o] : owned_) {
            std::map<std::string, std::size_t> users_by_instance;
            for (auto& [uid, p] : o.peers) {
                if (p->instance() != instance_) ++users_by_instance[p->instance()];
            }
            std::string successor;
            std::size_t most = 0;
            for (auto& [inst, n] : users_by_instance) {
                if (n > most) {
                    most = n;
                    successor = inst;
                }
            }
            o.doc->save_snapshot();
            handovers.push_back(Handover{doc, o.epoch, successor});
        }
    }, left());
    storage_.flush();
    on_worker([] {}, left());  // the History broadcasts queued by those commits are sent
    for (const auto& h : handovers) {
        auto r = leases_->release(h.doc, h.epoch, h.successor.empty() ? std::nullopt : std::optional<std::string>(h.successor));
        if (!r) log::warn("cannot release lease", {{"document", h.doc}, {"error", r.error()}});
        announce(WireType::release, h.doc, h.epoch, h.successor);
        handovers_.fetch_add(1, std::memory_order_relaxed);
        log::info("document handed over", {{"document", h.doc}, {"epoch", std::to_string(h.epoch)},
                                           {"successor", h.successor.empty() ? std::string("none") : h.successor}});
    }
    on_worker([&] {
        for (const auto& h : handovers) {
            auto it = owned_.find(h.doc);
            if (it == owned_.end()) continue;
            for (auto& [inst, box] : it->second.outboxes) box->mute();
            registry_.forget(h.doc, it->second.doc.get());
            owned_.erase(it);
        }
        owned_count_ = owned_.size();
    }, left());
    // Local sessions: wait for the verdicts of edits already forwarded, then close with 1001 (the
    // clients reconnect through the load balancer and resend what was not acknowledged).
    const auto settle_until = Clock::now() + left() / 2;
    while (Clock::now() < settle_until) {
        bool settled = false;
        on_worker([&] {
            settled = true;
            for (auto& r : relays()) settled = settled && r->settled();
        }, left());
        if (settled) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    on_worker([&] {
        for (auto& r : relays()) r->close_all(document::close_going_away, "server shutting down");
    }, left());
    bus_->drain(std::min(left(), std::chrono::milliseconds(2000)));
}

// ---- figures -------------------------------------------------------------------------------

ot::Result<OwnerView> Cluster::owner_of(const std::string& id) {
    auto r = leases_->store().read(id);
    if (!r) return ot::Error{r.error()};
    OwnerView v;
    if (r.value() && !r.value()->expired) {
        v.owner = r.value()->owner;
        v.epoch = r.value()->epoch;
        v.here = v.owner == instance_ && leases_->valid(id, v.epoch);
        v.expires_in_ms = r.value()->expires_in_ms;
        v.successor = r.value()->successor;
    }
    return v;
}

bool Cluster::healthy() const { return bus_->stats().healthy && database_reachable(); }

bool Cluster::database_reachable() const { return db_ok_.load() && leases_->stats().last_renew_ok; }

std::string Cluster::health_json() {
    const auto b = bus_->stats();
    const auto l = leases_->stats();
    std::string o;
    o += ",\"instance\":\"" + instance_ + "\"";
    o += ",\"cluster\":{\"redis\":\"" + std::string(b.healthy ? "ok" : "failing") + "\"";
    o += ",\"postgres\":\"" + std::string(database_reachable() ? "ok" : "failing") + "\"";
    o += ",\"redis_round_trip_ms\":" + fmt(b.round_trip_ms);
    o += ",\"postgres_round_trip_ms\":" + fmt(l.last_renew_ms);
    o += ",\"documents_owned\":" + std::to_string(owned_count_.load());
    o += ",\"documents_relayed\":" + std::to_string(relayed_count_.load());
    o += ",\"leases_held\":" + std::to_string(l.held);
    o += ",\"lease_renewals\":" + std::to_string(l.renewals);
    o += ",\"lease_renewal_failures\":" + std::to_string(l.renewal_failures);
    o += ",\"lease_losses\":" + std::to_string(l.losses);
    o += ",\"takeovers\":" + std::to_string(takeovers_.load());
    o += ",\"handovers\":" + std::to_string(handovers_.load());
    o += ",\"gap_fills\":" + std::to_string(counters_.gap_fills.load());
    o += ",\"filled_operations\":" + std::to_string(counters_.filled_ops.load());
    o += ",\"rejoins\":" + std::to_string(counters_.rejoins.load());
    o += ",\"resent_edits\":" + std::to_string(counters_.resent_edits.load());
    o += ",\"relay_timeouts\":" + std::to_string(counters_.timeouts.load());
    o += ",\"relay_lag_p50_ms\":" + fmt(relay_lag_.quantile(0.5) * 1000);
    o += ",\"relay_lag_p99_ms\":" + fmt(relay_lag_.quantile(0.99) * 1000);
    o += ",\"bus_published\":" + std::to_string(b.published);
    o += ",\"bus_received\":" + std::to_string(b.received);
    o += ",\"bus_dropped\":" + std::to_string(b.dropped);
    o += ",\"bus_queued\":" + std::to_string(b.queued);
    o += ",\"bus_reconnects\":" + std::to_string(b.reconnects);
    o += ",\"bad_messages\":" + std::to_string(bad_messages_.load());
    o += ",\"owner_messages\":" + std::to_string(Outbox::messages_sent.load());
    o += ",\"owner_deliveries\":" + std::to_string(Outbox::deliveries_sent.load());
    o += "}";
    return o;
}

std::string Cluster::metrics_json() { return health_json(); }

void Cluster::append_prometheus(std::string& out) {
    const auto b = bus_->stats();
    const auto l = leases_->stats();
    auto sample = [&](const char* name, const char* type, const char* help, double v) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + "{instance=\"" +
               instance_ + "\"} " + fmt(v) + "\n";
    };
    sample("kolabpad_cluster_documents_owned", "gauge", "Documents this instance sequences (holds the lease of).", owned_count_.load());
    sample("kolabpad_cluster_documents_relayed", "gauge", "Documents with local clients owned by another instance.", relayed_count_.load());
    sample("kolabpad_cluster_lease_renewals_total", "counter", "Successful lease renewal statements.", l.renewals);
    sample("kolabpad_cluster_lease_renewal_failures_total", "counter", "Failed lease renewal statements.", l.renewal_failures);
    sample("kolabpad_cluster_lease_losses_total", "counter", "Leases lost (not renewed in time, or taken over).", l.losses);
    sample("kolabpad_cluster_takeovers_total", "counter", "Documents this instance took ownership of.", takeovers_.load());
    sample("kolabpad_cluster_handovers_total", "counter", "Documents handed over at shutdown.", handovers_.load());
    sample("kolabpad_cluster_redis_up", "gauge", "1 while both Redis connections work.", b.healthy ? 1 : 0);
    sample("kolabpad_cluster_redis_round_trip_seconds", "gauge", "Latest Redis ping round trip.", b.round_trip_ms / 1000);
    sample("kolabpad_cluster_postgres_round_trip_seconds", "gauge", "Latest lease renewal round trip.", l.last_renew_ms / 1000);
    sample("kolabpad_cluster_gap_fills_total", "counter", "History gaps filled from the PostgreSQL log.", counters_.gap_fills.load());
    sample("kolabpad_cluster_filled_operations_total", "counter", "Operations delivered from the PostgreSQL log.", counters_.filled_ops.load());
    sample("kolabpad_cluster_rejoins_total", "counter", "Users joined again with an owner.", counters_.rejoins.load());
    sample("kolabpad_cluster_resent_edits_total", "counter", "Unacknowledged edits sent again.", counters_.resent_edits.load());
    sample("kolabpad_cluster_bus_published_total", "counter", "Messages published to Redis.", b.published);
    sample("kolabpad_cluster_bus_received_total", "counter", "Messages received from Redis.", b.received);
    sample("kolabpad_cluster_bus_dropped_total", "counter", "Messages dropped (queue bound, lost connection).", b.dropped);
    sample("kolabpad_cluster_bus_queued", "gauge", "Messages waiting to be published.", b.queued);
    sample("kolabpad_cluster_bad_messages_total", "counter", "Bus messages refused as undecodable.", bad_messages_.load());
    relay_lag_.append_prometheus(out, "kolabpad_cluster_relay_lag_seconds", "From the owner sending frames to the relay delivering them.");
}

}  // namespace kolabpad::server::cluster
