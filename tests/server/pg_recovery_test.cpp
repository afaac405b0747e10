// PgStorage when PostgreSQL goes away: a batch is held and retried (never acknowledged before it
// really committed), reads fail clearly and recover by themselves, a COMMIT whose answer was lost
// is recognised, and a batch that cannot be committed in DATABASE_RETRY_SECONDS fails without
// leaving a gap. Restarts use a private cluster of the test's own.
#include <future>
#include <map>
#include <thread>

#include "cluster/lease_store.hpp"
#include "helpers.hpp"
#include "pg_helpers.hpp"
#include "storage/pg_storage.hpp"
#include "tcp_proxy.hpp"

using namespace kolabpad::server::storage;
using namespace std::chrono_literals;
using kolabpad::server::testing::eventually;
using kolabpad::server::testing::PgSchema;
using kolabpad::server::testing::PrivateCluster;

namespace {

AppendOp append(const std::string& doc, std::uint64_t revision) {
    OpRecord r;
    r.revision = revision;
    r.operation_json = revision == 0 ? R"(["a"])" : "[" + std::to_string(revision) + ",\"a\"]";
    r.client = "c";
    r.seq = revision + 1;
    return AppendOp{doc, r};
}

bool write(Storage& s, WriteItem item, std::uint64_t generation = 1) {
    std::promise<bool> done;
    auto f = done.get_future();
    s.submit(std::move(item), generation, [&done](bool ok) { done.set_value(ok); });
    return f.get();
}

std::unique_ptr<PgStorage> open_storage(const std::string& url, PgOptions o) {
    auto s = PgStorage::open(url, o);
    INFO(s.error());
    REQUIRE(s.ok());
    return std::move(s).value();
}

std::uint16_t port_of(const std::string& url) {
    const std::string label = describe_conninfo(url).value();
    return static_cast<std::uint16_t>(std::stoi(label.substr(label.find("port=") + 5)));
}

}  // namespace

TEST_CASE("pg a batch interrupted by a PostgreSQL restart is held, then committed once it is back, never acknowledged before") {
    PrivateCluster pg;
    PgOptions o;
    o.retry_for = 120s;
    o.timeout = 5s;
    auto st = open_storage(pg.url(), o);
    REQUIRE(write(*st, append("d", 0)));
    pg.stop("fast");

    std::atomic<int> outcome{-1};
    st->submit(append("d", 1), 1, [&](bool ok) { outcome = ok ? 1 : 0; });
    REQUIRE(eventually([&] { return !st->healthy(); }));
    // Reads say why while the database is down.
    auto down = st->load("d");
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().find("PostgreSQL unavailable") != std::string::npos);
    CHECK_FALSE(st->count_documents().ok());
    CHECK(outcome == -1);  // held: not acknowledged, not failed
    CHECK(st->pending_writes() == 1);

    pg.start();
    REQUIRE(eventually([&] { return outcome != -1; }, 60s));
    CHECK(outcome == 1);
    CHECK(st->healthy());
    CHECK(st->retried_batches() == 1);
    auto rec = st->load("d");  // the reader reconnects by itself
    INFO(rec.error());
    REQUIRE(rec.ok());
    REQUIRE(rec->ops.size() == 2);
    CHECK(rec->ops[1].seq == std::optional<std::uint64_t>(2));
    CHECK(write(*st, append("d", 2)));
}

TEST_CASE("pg a crash of PostgreSQL under a stream of writes loses no acknowledged write and leaves no gap") {
    PrivateCluster pg;
    PgOptions o;
    o.retry_for = 120s;
    o.timeout = 5s;
    auto st = open_storage(pg.url(), o);
    std::mutex mu;
    std::vector<std::uint64_t> acked;
    std::atomic<std::uint64_t> failed{0};
    std::atomic<bool> typing{true};
    std::thread typist([&] {
        for (std::uint64_t r = 0; typing; ++r) {
            st->submit(append("d", r), 1, [&, r](bool ok) {
                std::lock_guard lock(mu);
                if (ok) acked.push_back(r);
                else ++failed;
            });
            std::this_thread::sleep_for(1ms);
        }
    });
    auto acked_count = [&] {
        std::lock_guard lock(mu);
        return acked.size();
    };
    REQUIRE(eventually([&] { return acked_count() >= 100; }));
    pg.stop("immediate");  // a crash: no shutdown checkpoint, recovery from the WAL on the next start
    const std::size_t before_crash = acked_count();
    pg.start();
    REQUIRE(eventually([&] { return acked_count() >= before_crash + 100; }, 60s));
    typing = false;
    typist.join();
    st->flush();
    CHECK(failed == 0);
    auto rec = st->load("d").value();
    std::lock_guard lock(mu);
    INFO("acknowledged " << acked.size() << ", stored " << rec.ops.size());
    REQUIRE(rec.ops.size() == acked.size());  // every acknowledged write, nothing else
    for (std::size_t i = 0; i < rec.ops.size(); ++i) CHECK(rec.ops[i].revision == i);  // no gap, no duplicate
}

TEST_CASE("pg a batch that cannot commit within DATABASE_RETRY_SECONDS fails, and so do later writes of that document instance") {
    PrivateCluster pg;
    PgOptions o;
    o.retry_for = 300ms;
    o.timeout = 2s;
    o.readers = 1;
    auto st = open_storage(pg.url(), o);
    REQUIRE(write(*st, append("d", 0), 1));
    REQUIRE(st->load("d").ok());  // the reader is connected, and stays idle across the restart
    pg.stop("fast");
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(write(*st, append("d", 1), 1));
    CHECK(std::chrono::steady_clock::now() - t0 >= 300ms);
    CHECK_FALSE(st->healthy());
    pg.start();
    auto first = st->load("d");  // the stale reader connection is replaced on the spot
    INFO(first.error());
    CHECK(first.ok());
    CHECK(st->healthy());  // health follows reads too: an idle server does not stay unhealthy
    CHECK_FALSE(write(*st, append("d", 1), 1));  // the instance that lost a write stays refused: no gap
    CHECK(write(*st, append("d", 1), 2));        // a fresh instance of the document (reloaded) writes
    CHECK(st->healthy());
    CHECK(st->load("d").value().ops.size() == 2);
}

TEST_CASE("pg a writer connection killed mid-transaction is retried and its batch committed exactly once") {
    PgSchema db;
    const std::string id = kolabpad::server::testing::random_name("w");
    PgOptions o;
    o.instance_id = id;
    o.pipeline = GENERATE(true, false);
    auto st = open_storage(db.url(), o);
    REQUIRE(write(*st, append("d", 0)));
    auto& admin = db.admin();
    REQUIRE(admin.exec("BEGIN").ok());
    REQUIRE(admin.exec("LOCK TABLE " + db.name() + ".writer_commits IN EXCLUSIVE MODE").ok());
    std::promise<bool> done;
    st->submit(append("d", 1), 1, [&](bool ok) { done.set_value(ok); });
    st->submit(append("d", 2), 1, nullptr);
    const PgParams who = PgParams().text("kolabpad " + id + " writer");
    REQUIRE(eventually([&] {
        auto r = admin.exec("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", who);
        return r.ok() && r.int8(0, 0) == 1;
    }));
    auto killed = admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", who);
    REQUIRE(killed.ok());
    REQUIRE(killed.rows() == 1);
    REQUIRE(admin.exec("COMMIT").ok());
    CHECK(done.get_future().get());
    st->flush();
    CHECK(st->retried_batches() >= 1);
    auto rec = st->load("d").value();
    REQUIRE(rec.ops.size() == 3);
    CHECK(rec.ops[2].revision == 2);
}

TEST_CASE("pg a COMMIT whose answer is lost is recognised as committed: acknowledged once, stored once") {
    PgSchema db;
    const bool fenced = GENERATE(false, true);
    const bool pipeline = GENERATE(true, false);
    INFO("fenced=" << fenced << " pipeline=" << pipeline);
    kolabpad::server::testing::TcpProxy proxy(port_of(db.url()));
    REQUIRE(proxy.port() != 0);
    std::string url = db.url();
    const std::string old_port = ":" + std::to_string(port_of(db.url())) + "/";
    url.replace(url.find(old_port), old_port.size(), ":" + std::to_string(proxy.port()) + "/");
    PgOptions o;
    o.require_lease = fenced;
    o.pipeline = pipeline;
    auto st = open_storage(url, o);
    std::uint64_t generation = 1;
    if (fenced) {
        auto leases = kolabpad::server::cluster::LeaseStore::open(db.url(), "test").value();
        generation = std::get<kolabpad::server::cluster::Lease>(leases->acquire("d", "me", 60s).value()).epoch;
    }
    REQUIRE(write(*st, append("d", 0), generation));
    proxy.cut_at_next_commit();
    CHECK(write(*st, append("d", 1), generation));
    CHECK(proxy.cuts() == 1);
    CHECK(st->retried_batches() == 1);
    auto count = db.admin().exec("SELECT count(*) FROM " + db.name() + ".operations WHERE document = 'd'");
    REQUIRE(count.ok());
    CHECK(count.int8(0, 0) == 2);
    CHECK(write(*st, append("d", 2), generation));  // the writer carries on
    CHECK(st->load("d").value().ops.size() == 3);
}
