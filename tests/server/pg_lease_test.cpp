// Leases and user-id blocks against a real PostgreSQL: expiry by the database's clock, epochs that
// only grow, renewal in one statement, hand-over, and races between instances.
#include <future>
#include <set>
#include <thread>

#include "cluster/lease_store.hpp"
#include "helpers.hpp"
#include "pg_helpers.hpp"
#include "storage/pg_storage.hpp"

using namespace kolabpad::server::cluster;
using namespace std::chrono_literals;
using kolabpad::server::testing::eventually;
using kolabpad::server::testing::PgSchema;

namespace {

// A migrated schema and a lease store over it.
struct Fixture {
    PgSchema db;
    std::unique_ptr<LeaseStore> leases;
    Fixture() {
        auto st = kolabpad::server::storage::PgStorage::open(db.url());  // migrates
        INFO(st.error());
        REQUIRE(st.ok());
        leases = store();
    }
    std::unique_ptr<LeaseStore> store() {
        auto s = LeaseStore::open(db.url(), "test");
        INFO(s.error());
        REQUIRE(s.ok());
        return std::move(s).value();
    }
};

Lease got(const kolabpad::ot::Result<Acquired>& a) {
    INFO(a.error());
    REQUIRE(a.ok());
    REQUIRE(std::holds_alternative<Lease>(a.value()));
    return std::get<Lease>(a.value());
}

HeldBy refused(const kolabpad::ot::Result<Acquired>& a) {
    INFO(a.error());
    REQUIRE(a.ok());
    REQUIRE(std::holds_alternative<HeldBy>(a.value()));
    return std::get<HeldBy>(a.value());
}

}  // namespace

TEST_CASE("leases: acquire takes a free lease, names the holder to others, and gives a larger epoch every time") {
    Fixture f;
    Lease a = got(f.leases->acquire("doc", "A", 10s));
    CHECK(a.epoch == 1);
    CHECK(a.expires_in_ms > 9000);
    CHECK(a.expires_in_ms <= 10000);
    HeldBy b = refused(f.leases->acquire("doc", "B", 10s));
    CHECK(b.owner == "A");
    CHECK(b.epoch == 1);
    CHECK(b.expires_in_ms > 0);
    CHECK_FALSE(b.successor);
    // The holder acquiring again gets a new epoch: its own older writes are fenced from then on.
    CHECK(got(f.leases->acquire("doc", "A", 10s)).epoch == 2);
    auto info = f.leases->read("doc").value();
    REQUIRE(info);
    CHECK(info->owner == "A");
    CHECK(info->epoch == 2);
    CHECK_FALSE(info->expired);
    CHECK_FALSE(f.leases->read("never").value());
}

TEST_CASE("leases: an expired lease is free for anyone, with the next epoch") {
    Fixture f;
    CHECK(got(f.leases->acquire("doc", "A", 200ms)).epoch == 1);
    REQUIRE(eventually([&] { return f.leases->read("doc").value()->expired; }));
    CHECK(f.leases->read("doc").value()->expires_in_ms <= 0);
    Lease b = got(f.leases->acquire("doc", "B", 10s));
    CHECK(b.epoch == 2);
    CHECK(refused(f.leases->acquire("doc", "A", 10s)).owner == "B");
}

TEST_CASE("leases: renew extends, in one statement, exactly the leases still held at their epoch") {
    Fixture f;
    got(f.leases->acquire("d1", "A", 10s));
    got(f.leases->acquire("d2", "A", 10s));
    CHECK(got(f.leases->acquire("d2", "A", 10s)).epoch == 2);  // (d2, 1) is stale now
    got(f.leases->acquire("d3", "A", 10s));
    REQUIRE(f.leases->release("d3", "A", 1).value());
    got(f.leases->acquire("d4", "B", 10s));
    got(f.leases->acquire("d5", "A", 100ms));
    REQUIRE(eventually([&] { return f.leases->read("d5").value()->expired; }));
    auto renewed = f.leases->renew("A", {{"d1", 1}, {"d2", 1}, {"d3", 1}, {"d4", 1}, {"d5", 1}, {"missing", 1}}, 20s);
    REQUIRE(renewed.ok());
    REQUIRE(renewed->size() == 1);
    CHECK(renewed->at(0).document == "d1");
    CHECK(renewed->at(0).epoch == 1);
    CHECK(renewed->at(0).expires_in_ms > 19000);
    CHECK(f.leases->read("d1").value()->expires_in_ms > 19000);
    CHECK(f.leases->renew("A", {}, 20s).value().empty());
    // Renewing many at once.
    std::vector<std::pair<std::string, std::uint64_t>> many;
    for (int i = 0; i < 300; ++i) {
        const std::string d = "m" + std::to_string(i);
        many.push_back({d, got(f.leases->acquire(d, "A", 10s)).epoch});
    }
    CHECK(f.leases->renew("A", many, 10s).value().size() == 300);
}

TEST_CASE("leases: release hands over; with a successor only it may take the lease until the reserve ends") {
    Fixture f;
    got(f.leases->acquire("x", "A", 30s));
    CHECK(f.leases->release("x", "A", 1).value());
    CHECK(got(f.leases->acquire("x", "B", 30s)).epoch == 2);  // free at once
    CHECK_FALSE(f.leases->release("x", "A", 1).value());      // A no longer holds it
    CHECK(f.leases->release("x", "B", 2, std::string("C"), 30s).value());
    HeldBy d = refused(f.leases->acquire("x", "D", 30s));
    CHECK(d.owner == "B");
    CHECK(d.successor == std::optional<std::string>("C"));
    CHECK(f.leases->renew("B", {{"x", 2}}, 30s).value().empty());  // a released lease is not renewed
    CHECK(got(f.leases->acquire("x", "C", 30s)).epoch == 3);
    CHECK_FALSE(f.leases->read("x").value()->successor);
    CHECK(f.leases->release("x", "C", 3, std::string("E"), 200ms).value());
    CHECK(refused(f.leases->acquire("x", "D", 30s)).successor == std::optional<std::string>("E"));
    REQUIRE(eventually([&] { return std::holds_alternative<Lease>(f.leases->acquire("x", "D", 30s).value()); }));
    auto info = f.leases->read("x").value();
    CHECK(info->owner == "D");
    CHECK(info->epoch == 4);
}

TEST_CASE("leases: of many instances acquiring one free document at once, exactly one gets it") {
    Fixture f;
    constexpr int instances = 8;
    std::vector<std::unique_ptr<LeaseStore>> stores;
    for (int i = 0; i < instances; ++i) stores.push_back(f.store());
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    std::vector<std::future<kolabpad::ot::Result<Acquired>>> results;
    for (int i = 0; i < instances; ++i) {
        results.push_back(std::async(std::launch::async, [&, i] {
            start.wait();
            return stores[i]->acquire("hot", "I" + std::to_string(i), 30s);
        }));
    }
    go.set_value();
    int winners = 0;
    std::string winner;
    std::set<std::string> named;
    for (int i = 0; i < instances; ++i) {
        auto r = results[i].get();
        INFO(r.error());
        REQUIRE(r.ok());
        if (auto* l = std::get_if<Lease>(&r.value())) {
            ++winners;
            winner = "I" + std::to_string(i);
            CHECK(l->epoch == 1);
        } else {
            named.insert(std::get<HeldBy>(r.value()).owner);
        }
    }
    CHECK(winners == 1);
    CHECK(named == std::set<std::string>{winner});
}

TEST_CASE("user id blocks reserved by many instances at once never overlap") {
    Fixture f;
    constexpr int instances = 8, each = 25;
    std::vector<std::unique_ptr<LeaseStore>> stores;
    for (int i = 0; i < instances; ++i) stores.push_back(f.store());
    std::vector<std::future<std::vector<UserIdBlock>>> results;
    for (int i = 0; i < instances; ++i) {
        results.push_back(std::async(std::launch::async, [&, i] {
            std::vector<UserIdBlock> out;
            for (int k = 0; k < each; ++k) out.push_back(stores[i]->reserve_user_ids().value());
            return out;
        }));
    }
    std::set<std::uint64_t> firsts;
    for (auto& r : results) {
        for (const UserIdBlock& b : r.get()) {
            CHECK(b.count == user_id_block_size);
            CHECK(b.first % user_id_block_size == 0);
            firsts.insert(b.first);
        }
    }
    // Distinct starts a whole block apart: no two blocks share an id.
    CHECK(firsts.size() == instances * each);
    CHECK(*firsts.begin() == 0);
}
