// Fencing against a real PostgreSQL: a document's writes commit only under the epoch its lease row
// holds, so an owner that lost its lease (paused, partitioned, slow) can never write again, and a
// lease cannot change hands while one of its owner's batches is in flight.
#include <future>
#include <thread>

#include "cluster/lease_store.hpp"
#include "helpers.hpp"
#include "pg_helpers.hpp"
#include "storage/pg_storage.hpp"

using namespace kolabpad::server::storage;
using namespace kolabpad::server::cluster;
using namespace std::chrono_literals;
using kolabpad::server::testing::eventually;
using kolabpad::server::testing::PgSchema;

namespace {

OpRecord op_record(std::uint64_t revision, std::string json) {
    OpRecord r;
    r.revision = revision;
    r.operation_json = std::move(json);
    r.author = 1;
    r.time_ms = 1700000000000;
    return r;
}

AppendOp append(const std::string& doc, std::uint64_t revision) {
    return AppendOp{doc, op_record(revision, revision == 0 ? R"(["a"])" : "[" + std::to_string(revision) + ",\"a\"]")};
}

bool write(Storage& s, WriteItem item, std::uint64_t generation) {
    std::promise<bool> done;
    auto f = done.get_future();
    s.submit(std::move(item), generation, [&done](bool ok) { done.set_value(ok); });
    return f.get();
}

// One instance's storage in distributed mode (every write needs its document's lease).
std::unique_ptr<PgStorage> instance_storage(const std::string& url, const std::string& id, bool pipeline = true,
                                            bool multi_row = true) {
    PgOptions o;
    o.instance_id = id;
    o.require_lease = true;
    o.pipeline = pipeline;
    o.multi_row = multi_row;
    auto s = PgStorage::open(url, o);
    INFO(s.error());
    REQUIRE(s.ok());
    return std::move(s).value();
}

std::unique_ptr<LeaseStore> lease_store(const std::string& url, const std::string& id) {
    auto s = LeaseStore::open(url, id);
    INFO(s.error());
    REQUIRE(s.ok());
    return std::move(s).value();
}

// The epoch of a lease `instance` must have got.
std::uint64_t taken(const kolabpad::ot::Result<Acquired>& a) {
    INFO(a.error());
    REQUIRE(a.ok());
    REQUIRE(std::holds_alternative<Lease>(a.value()));
    return std::get<Lease>(a.value()).epoch;
}

}  // namespace

TEST_CASE("fencing: a stale owner's queued batch commits nothing once another instance took the lease") {
    PgSchema db;
    const bool pipeline = GENERATE(true, false);
    const bool multi_row = GENERATE(true, false);
    INFO("pipeline=" << pipeline << " multi_row=" << multi_row);
    auto a = instance_storage(db.url(), "A", pipeline, multi_row);
    auto b = instance_storage(db.url(), "B", pipeline, multi_row);
    auto leases = lease_store(db.url(), "test");
    const std::uint64_t epoch_a = taken(leases->acquire("doc", "A", 500ms));
    CHECK(epoch_a == 1);
    REQUIRE(write(*a, append("doc", 0), epoch_a));

    // A's next writes queue behind a batch whose callback holds A's writer (A is paused).
    std::promise<void> resume, paused;
    auto resume_f = resume.get_future();
    a->submit(append("doc", 1), epoch_a, [&](bool ok) {
        CHECK(ok);
        paused.set_value();
        resume_f.wait();
    });
    paused.get_future().wait();
    std::promise<bool> op2, snapshot, meta;
    a->submit(append("doc", 2), epoch_a, [&](bool ok) { op2.set_value(ok); });
    a->submit(SaveSnapshot{"doc", 3, "aaa", 5}, epoch_a, [&](bool ok) { snapshot.set_value(ok); });
    a->submit(SaveMeta{"doc", "rust", std::nullopt}, epoch_a, [&](bool ok) { meta.set_value(ok); });

    // A's lease expires by the database's clock, and B takes the document over.
    REQUIRE(eventually([&] { return leases->read("doc").value()->expired; }));
    const std::uint64_t epoch_b = taken(leases->acquire("doc", "B", 30s));
    CHECK(epoch_b == 2);
    CHECK(b->load("doc").value().ops.size() == 2);

    resume.set_value();
    CHECK_FALSE(op2.get_future().get());
    CHECK_FALSE(snapshot.get_future().get());
    CHECK_FALSE(meta.get_future().get());
    auto after = b->load("doc").value();
    CHECK(after.ops.size() == 2);
    CHECK(after.snapshot_revision == 0);
    CHECK_FALSE(after.language);
    CHECK(a->healthy());  // refused by the fence, not a database failure

    // B's appends work; A's later appends fail too, also from a fresh writer without A's memory
    // of the refusal: the database itself refuses the stale epoch.
    CHECK(write(*b, append("doc", 2), epoch_b));
    CHECK_FALSE(write(*a, append("doc", 3), epoch_a));
    auto a_again = instance_storage(db.url(), "A", pipeline, multi_row);
    CHECK_FALSE(write(*a_again, append("doc", 3), epoch_a));
    CHECK_FALSE(write(*a_again, SaveMeta{"doc", "go", std::nullopt}, epoch_a));
    CHECK(write(*b, append("doc", 3), epoch_b));
    auto final_state = b->load("doc").value();
    REQUIRE(final_state.ops.size() == 4);
    CHECK_FALSE(final_state.language);
}

TEST_CASE("fencing: a refused document does not take the other documents of its batch down") {
    PgSchema db;
    auto a = instance_storage(db.url(), "A");
    auto leases = lease_store(db.url(), "test");
    const std::uint64_t mine = taken(leases->acquire("mine", "A", 30s));
    const std::uint64_t lost = taken(leases->acquire("lost", "A", 30s));
    REQUIRE(leases->release("lost", "A", lost).value());
    REQUIRE(taken(leases->acquire("lost", "B", 30s)) == lost + 1);  // B took it over meanwhile
    std::promise<void> resume, paused;
    auto resume_f = resume.get_future();
    a->submit(append("mine", 0), mine, [&](bool) {
        paused.set_value();
        resume_f.wait();
    });
    paused.get_future().wait();
    std::promise<bool> p_mine, p_lost, p_none;
    a->submit(append("mine", 1), mine, [&](bool ok) { p_mine.set_value(ok); });
    a->submit(append("lost", 0), lost, [&](bool ok) { p_lost.set_value(ok); });
    a->submit(append("never-leased", 0), 1, [&](bool ok) { p_none.set_value(ok); });
    resume.set_value();
    CHECK(p_mine.get_future().get());
    CHECK_FALSE(p_lost.get_future().get());
    CHECK_FALSE(p_none.get_future().get());  // distributed mode: no lease row, no write
    CHECK(a->load("mine").value().ops.size() == 2);
    CHECK_FALSE(a->load("lost").value().exists);
    CHECK_FALSE(a->load("never-leased").value().exists);
}

TEST_CASE("fencing: a lease cannot change hands while its owner's batch is in flight; the new owner sees that batch") {
    PgSchema db;
    const std::string id = kolabpad::server::testing::random_name("A");  // names A's writer in pg_stat_activity
    auto a = instance_storage(db.url(), id);
    auto leases_a = lease_store(db.url(), "A");
    auto leases_b = lease_store(db.url(), "B");
    const std::uint64_t epoch_a = taken(leases_a->acquire("doc", "A", 300ms));

    // Hold A's transaction after it locked the lease row: the commit marker's table is locked.
    auto& admin = db.admin();
    REQUIRE(admin.exec("BEGIN").ok());
    REQUIRE(admin.exec("LOCK TABLE " + db.name() + ".writer_commits IN EXCLUSIVE MODE").ok());
    std::promise<bool> committed;
    a->submit(append("doc", 0), epoch_a, [&](bool ok) { committed.set_value(ok); });
    REQUIRE(eventually([&] {
        auto r = admin.exec("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
                            PgParams().text("kolabpad " + id + " writer"));
        return r.ok() && r.int8(0, 0) == 1;
    }));
    REQUIRE(eventually([&] { return leases_a->read("doc").value()->expired; }));

    // B's acquisition waits for A's transaction, however long A's lease has been expired.
    auto b_acquires = std::async(std::launch::async, [&] { return leases_b->acquire("doc", "B", 30s); });
    CHECK(b_acquires.wait_for(300ms) == std::future_status::timeout);
    REQUIRE(admin.exec("COMMIT").ok());
    CHECK(committed.get_future().get());  // A's epoch was still the lease's when it committed
    const std::uint64_t epoch_b = taken(b_acquires.get());
    CHECK(epoch_b == epoch_a + 1);
    auto b = instance_storage(db.url(), "B");
    CHECK(b->load("doc").value().ops.size() == 1);  // B loads after its acquisition: A's write is there
    CHECK_FALSE(write(*a, append("doc", 1), epoch_a));
    CHECK(write(*b, append("doc", 1), epoch_b));
}

TEST_CASE("fencing in single-instance mode: a document without a lease row is written unfenced, one with a row only under its epoch") {
    PgSchema db;
    auto st = PgStorage::open(db.url()).value();  // require_lease = false: DATABASE_URL without Redis
    CHECK(write(*st, append("free", 0), 1));
    CHECK(write(*st, append("free", 1), 5));  // any generation: nothing to fence against
    auto leases = lease_store(db.url(), "test");
    const std::uint64_t e = taken(leases->acquire("leased", "X", 30s));
    CHECK(write(*st, append("leased", 0), e));
    CHECK_FALSE(write(*st, append("leased", 1), e + 1));
    CHECK(st->load("free").value().ops.size() == 2);
    CHECK(st->load("leased").value().ops.size() == 1);
}
