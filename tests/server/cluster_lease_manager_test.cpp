// LeaseManager against a real PostgreSQL: renewals keep a lease for many lease durations; a lease
// taken over is reported lost at the next renewal; with PostgreSQL gone, a lease counts as lost
// locally at lease - margin after the start of the last renewal that covered it, before anyone
// could have taken it; release with a successor reserves the lease for it.
#include <atomic>
#include <mutex>
#include <vector>

#include "cluster/lease_manager.hpp"
#include "helpers.hpp"
#include "pg_helpers.hpp"
#include "storage/pg_storage.hpp"

using namespace kolabpad::server::cluster;
using namespace std::chrono_literals;
using kolabpad::server::testing::eventually;
using kolabpad::server::testing::PgSchema;
using kolabpad::server::testing::PrivateCluster;

namespace {

std::unique_ptr<LeaseStore> store(const std::string& url, const std::string& instance) {
    auto s = LeaseStore::open(url, instance, 2s);
    INFO(s.error());
    REQUIRE(s.ok());
    return std::move(s).value();
}

void migrate(const std::string& url) {
    auto st = kolabpad::server::storage::PgStorage::open(url);
    INFO(st.error());
    REQUIRE(st.ok());
    st.value()->close();
}

struct Lost {
    std::mutex mu;
    std::vector<std::pair<std::string, std::uint64_t>> v;
    LeaseManager::OnLost callback() {
        return [this](const std::string& d, std::uint64_t e) {
            std::lock_guard lock(mu);
            v.emplace_back(d, e);
        };
    }
    std::size_t size() {
        std::lock_guard lock(mu);
        return v.size();
    }
};

std::uint64_t epoch_of(const kolabpad::ot::Result<Acquired>& a) {
    INFO(a.error());
    REQUIRE(a.ok());
    REQUIRE(std::holds_alternative<Lease>(a.value()));
    return std::get<Lease>(a.value()).epoch;
}

}  // namespace

TEST_CASE("lease manager: renewals keep every held lease, in one statement each time, for many lease durations") {
    PgSchema db;
    migrate(db.url());
    Lost lost;
    LeaseManager m(store(db.url(), "a"), store(db.url(), "a"), "a", 300ms, 60ms, lost.callback());
    const auto e1 = epoch_of(m.acquire("d1"));
    const auto e2 = epoch_of(m.acquire("d2"));
    std::this_thread::sleep_for(1500ms);  // five lease durations
    CHECK(m.valid("d1", e1));
    CHECK(m.valid("d2", e2));
    CHECK_FALSE(m.valid("d1", e1 + 1));
    CHECK(lost.size() == 0);
    CHECK(m.stats().renewals >= 8);  // one statement per lease/3, for both leases
    CHECK(m.stats().held == 2);
    // Another instance cannot take it meanwhile.
    auto other = store(db.url(), "b");
    auto r = other->acquire("d1", "b", 300ms);
    REQUIRE(r.ok());
    CHECK(std::holds_alternative<HeldBy>(r.value()));
}

TEST_CASE("lease manager: a lease taken over after it expired is reported lost once, and not valid any more") {
    PgSchema db;
    migrate(db.url());
    Lost lost;
    LeaseManager m(store(db.url(), "a"), store(db.url(), "a"), "a", 600ms, 100ms, lost.callback());
    const auto e = epoch_of(m.acquire("d"));
    kolabpad::server::storage::PgConnection admin;
    kolabpad::server::testing::connect(admin, db.url());
    // Another instance takes it over, as after an expiry this instance did not notice.
    REQUIRE(admin.exec("UPDATE leases SET expires_at = now() - interval '1 second'").ok());
    auto other = store(db.url(), "b");
    const auto e2 = epoch_of(other->acquire("d", "b", 10s));
    CHECK(e2 == e + 1);
    REQUIRE(eventually([&] { return lost.size() == 1; }, 5s));
    CHECK(lost.v[0] == std::make_pair(std::string("d"), e));
    CHECK_FALSE(m.valid("d", e));
    CHECK(m.stats().losses == 1);
    std::this_thread::sleep_for(500ms);
    CHECK(lost.size() == 1);
}

TEST_CASE("lease manager: with PostgreSQL gone, a lease is lost locally at lease - margin after its last renewal began") {
    PrivateCluster pg;
    migrate(pg.url());
    Lost lost;
    const auto lease = 1500ms, margin = 300ms;
    LeaseManager m(store(pg.url(), "a"), store(pg.url(), "a"), "a", lease, margin, lost.callback());
    const auto e = epoch_of(m.acquire("d"));
    std::this_thread::sleep_for(700ms);
    REQUIRE(m.valid("d", e));
    pg.stop("immediate");
    const auto stopped = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return !m.valid("d", e); }, 5s));
    const auto invalid_after = std::chrono::steady_clock::now() - stopped;
    // The last renewal started at most lease/3 before the stop; validity ends lease - margin after it.
    CHECK(invalid_after <= lease - margin + 100ms);
    REQUIRE(eventually([&] { return lost.size() == 1; }, 2s));
    CHECK(m.stats().renewal_failures >= 1);
    pg.start();
}

TEST_CASE("lease manager: release with a successor stops renewing and reserves the lease for the successor") {
    PgSchema db;
    migrate(db.url());
    Lost lost;
    LeaseManager m(store(db.url(), "a"), store(db.url(), "a"), "a", 2s, 400ms, lost.callback());
    const auto e = epoch_of(m.acquire("d"));
    auto r = m.release("d", e, std::string("b"));
    REQUIRE(r.ok());
    CHECK(r.value());
    CHECK_FALSE(m.valid("d", e));
    auto c = store(db.url(), "c");
    auto by_c = c->acquire("d", "c", 2s);
    REQUIRE(by_c.ok());
    CHECK(std::holds_alternative<HeldBy>(by_c.value()));
    auto b = store(db.url(), "b");
    CHECK(epoch_of(b->acquire("d", "b", 2s)) == e + 1);
    CHECK(lost.size() == 0);  // a release is not a loss
}
