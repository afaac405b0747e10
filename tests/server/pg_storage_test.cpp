// PgStorage against a real PostgreSQL: what the SQLite storage tests check, in every write mode,
// plus what only PostgreSQL has (bytes SQLite keeps and text would refuse, concurrent migrations,
// reads of a range and of the latest snapshot).
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "pg_helpers.hpp"
#include "storage/pg_migrations.hpp"
#include "storage/pg_storage.hpp"

using namespace kolabpad::server::storage;
using namespace std::chrono_literals;
using kolabpad::server::testing::eventually;
using kolabpad::server::testing::PgSchema;

namespace {

OpRecord op_record(std::uint64_t revision, std::string json, std::optional<std::string> client = {},
                   std::optional<std::uint64_t> seq = {}) {
    OpRecord r;
    r.revision = revision;
    r.operation_json = std::move(json);
    r.client = std::move(client);
    r.seq = seq;
    r.author = revision + 10;
    r.time_ms = 1700000000000 + static_cast<std::int64_t>(revision);
    return r;
}

// Submits one write and waits for its outcome.
bool write(Storage& s, WriteItem item, std::uint64_t generation = 1) {
    std::promise<bool> done;
    auto f = done.get_future();
    s.submit(std::move(item), generation, [&done](bool ok) { done.set_value(ok); });
    return f.get();
}

std::unique_ptr<PgStorage> open_storage(const std::string& url, PgOptions o = {}) {
    auto s = PgStorage::open(url, o);
    INFO(s.error());
    REQUIRE(s.ok());
    return std::move(s).value();
}

// Every combination of the two write strategies: pipelined or one statement at a time, and the
// operations of a batch in one multi-row statement or one statement each.
PgOptions any_write_mode() {
    PgOptions o;
    o.pipeline = GENERATE(true, false);
    o.multi_row = GENERATE(true, false);
    INFO("pipeline=" << o.pipeline << " multi_row=" << o.multi_row);
    return o;
}

std::int64_t scalar(PgConnection& c, const std::string& sql) {
    auto r = c.exec(sql);
    INFO(sql << ": " << r.error());
    REQUIRE(r.ok());
    REQUIRE(r.rows() == 1);
    return r.int8(0, 0);
}

}  // namespace

TEST_CASE("pg storage round trip: log, snapshot and metadata, after reopening") {
    PgSchema db;
    const PgOptions mode = any_write_mode();
    {
        auto st = open_storage(db.url(), mode);
        CHECK(write(*st, AppendOp{"d", op_record(0, R"(["héllo 🎉"])", "c", 1)}));
        CHECK(write(*st, AppendOp{"d", op_record(1, R"([7,"!"])")}));
        CHECK(write(*st, SaveMeta{"d", "python", "tok"}));
        CHECK(write(*st, SaveSnapshot{"d", 1, "héllo 🎉", 12}));
        CHECK(write(*st, AppendOp{"d", op_record(2, R"([8,"?"])")}));
        CHECK(st->count_documents().value() == 1);
    }
    auto st = open_storage(db.url(), mode);
    auto rec = st->load("d");
    REQUIRE(rec.ok());
    CHECK(rec->exists);
    CHECK(rec->language == std::optional<std::string>("python"));
    CHECK(rec->otp == std::optional<std::string>("tok"));
    CHECK(rec->next_user_id == 12);
    CHECK(rec->snapshot_revision == 1);
    CHECK(rec->snapshot_text == "héllo 🎉");
    REQUIRE(rec->ops.size() == 3);
    CHECK(rec->ops[0].operation_json == R"(["héllo 🎉"])");
    CHECK(rec->ops[0].client == std::optional<std::string>("c"));
    CHECK(rec->ops[0].seq == std::optional<std::uint64_t>(1));
    CHECK(rec->ops[1].author == 11);
    CHECK(rec->ops[2].time_ms == 1700000000002);
    CHECK_FALSE(rec->ops[1].client);
    CHECK_FALSE(rec->ops[1].seq);
    CHECK(st->load_otp("d").value() == std::optional<std::string>("tok"));
    CHECK_FALSE(st->load_otp("other").value());
    CHECK_FALSE(st->load("other").value().exists);
    CHECK(st->healthy());
}

TEST_CASE("pg the read-only link token is stored with the metadata and read alone, after an upgrade from version 1") {
    PgSchema db;
    {
        PgConnection c;
        kolabpad::server::testing::connect(c, db.url());
        REQUIRE(pg_migrate_to(c, 1).value() == 1);
        REQUIRE(c.exec("INSERT INTO documents (id, language, otp, created_at, updated_at) VALUES ('old', 'rust', 'o', 1, 1)").ok());
    }
    auto st = open_storage(db.url());
    CHECK(scalar(db.admin(), "SELECT max(version) FROM " + db.name() + ".schema_version") == pg_latest_schema_version());
    CHECK(st->load("old").value().otp == std::optional<std::string>("o"));
    CHECK_FALSE(st->load_view_token("old").value());
    CHECK(write(*st, AppendOp{"d", op_record(0, R"(["x"])")}));
    CHECK(write(*st, SaveMeta{"d", "python", std::nullopt, "view-tok"}));
    CHECK(st->load_view_token("d").value() == std::optional<std::string>("view-tok"));
    CHECK(st->load("d").value().view_token == std::optional<std::string>("view-tok"));
    CHECK_FALSE(st->load("d").value().otp);
    CHECK_FALSE(st->load_view_token("other").value());
    CHECK(write(*st, SaveMeta{"d", "python", "otp", "view-2"}));
    CHECK(st->load_view_token("d").value() == std::optional<std::string>("view-2"));
    CHECK(st->load_otp("d").value() == std::optional<std::string>("otp"));
}

TEST_CASE("pg snapshots keep the whole log; a load reads only its tail from a keyframe") {
    PgSchema db;
    auto st = open_storage(db.url(), any_write_mode());
    for (std::uint64_t i = 0; i < 6; ++i) REQUIRE(write(*st, AppendOp{"d", op_record(i, "[" + std::to_string(i) + ",\"a\"]")}));
    REQUIRE(write(*st, SaveSnapshot{"d", 3, "aaa", 0, "[3,7]"}));
    REQUIRE(write(*st, SaveSnapshot{"d", 5, "aaaaa", 0, "[5,7]"}));
    auto whole = st->load("d").value();
    CHECK(whole.snapshot_revision == 5);
    CHECK(whole.snapshot_text == "aaaaa");
    CHECK(whole.snapshot_attribution == std::optional<std::string>("[5,7]"));
    CHECK(whole.base_revision == 0);
    REQUIRE(whole.ops.size() == 6);
    auto tail = st->load("d", LoadTail{3}).value();  // 6 - 3: keyframe 3 is where the rest fits
    CHECK(tail.base_revision == 3);
    CHECK(tail.base_text == "aaa");
    REQUIRE(tail.ops.size() == 3);
    CHECK(tail.ops.front().revision == 3);
    CHECK(st->load("d", LoadTail{6}).value().base_revision == 0);
    CHECK(st->load("d", LoadTail{0}).value().base_revision == 5);
    CHECK(scalar(db.admin(), "SELECT count(*) FROM " + db.name() + ".snapshots") == 2);
    CHECK(scalar(db.admin(), "SELECT count(*) FROM " + db.name() + ".operations") == 6);
}

TEST_CASE("pg stores NUL bytes in text and client ids as they are, without failing other documents") {
    PgSchema db;
    auto st = open_storage(db.url(), any_write_mode());
    const std::string text("a\0b", 3);
    const std::string client("c\0", 2);
    // One batch: the NUL-carrying writes and another document's write share a transaction.
    std::promise<void> queued;
    auto queued_f = queued.get_future();
    st->submit(AppendOp{"hold", op_record(0, R"(["h"])")}, 1, [&](bool) { queued_f.wait(); });
    std::vector<std::future<bool>> results;
    std::vector<std::promise<bool>> promises(3);
    for (auto& p : promises) results.push_back(p.get_future());
    st->submit(AppendOp{"nul", op_record(0, R"(["a\u0000b"])", client, 1)}, 1, [&](bool ok) { promises[0].set_value(ok); });
    st->submit(SaveSnapshot{"nul", 1, text, 3}, 1, [&](bool ok) { promises[1].set_value(ok); });
    st->submit(AppendOp{"other", op_record(0, R"(["x"])")}, 1, [&](bool ok) { promises[2].set_value(ok); });
    queued.set_value();
    for (auto& r : results) CHECK(r.get());
    auto rec = st->load("nul").value();
    CHECK(rec.snapshot_text == text);
    REQUIRE(rec.ops.size() == 1);
    CHECK(rec.ops[0].client == std::optional<std::string>(client));
    CHECK(st->load("other").value().ops.size() == 1);
}

TEST_CASE("pg migrations bring an empty schema to the latest version, and running them again changes nothing") {
    PgSchema db;
    {
        auto st = open_storage(db.url());
        REQUIRE(write(*st, AppendOp{"d", op_record(0, R"(["kept"])")}));
    }
    CHECK(scalar(db.admin(), "SELECT max(version) FROM " + db.name() + ".schema_version") == pg_latest_schema_version());
    PgConnection c;
    kolabpad::server::testing::connect(c, db.url());
    CHECK(pg_migrate(c).value() == pg_latest_schema_version());
    CHECK(pg_migrate(c).value() == pg_latest_schema_version());
    CHECK(scalar(db.admin(), "SELECT count(*) FROM " + db.name() + ".schema_version") == 1);
    auto st = open_storage(db.url());
    CHECK(st->load("d").value().ops.size() == 1);
}

TEST_CASE("pg migrations of instances starting at once apply each step exactly once") {
    PgSchema db;
    constexpr int instances = 6;
    std::vector<std::thread> threads;
    std::vector<std::string> errors(instances);
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    for (int i = 0; i < instances; ++i) {
        threads.emplace_back([&, i] {
            start.wait();
            auto s = PgStorage::open(db.url());
            if (!s) errors[i] = s.error();
        });
    }
    go.set_value();
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK(e == "");
    CHECK(scalar(db.admin(), "SELECT count(*) FROM " + db.name() + ".schema_version") == 1);
    CHECK(scalar(db.admin(), "SELECT max(version) FROM " + db.name() + ".schema_version") == pg_latest_schema_version());
    CHECK(scalar(db.admin(), "SELECT count(*) FROM pg_tables WHERE schemaname = '" + db.name() + "'") == 8);  // with user_infos, versions
}

TEST_CASE("pg a database written by a newer server is refused") {
    PgSchema db;
    REQUIRE(db.admin().exec("CREATE TABLE " + db.name() + ".schema_version (version integer NOT NULL)").ok());
    REQUIRE(db.admin().exec("INSERT INTO " + db.name() + ".schema_version VALUES (999)").ok());
    auto s = PgStorage::open(db.url());
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().find("newer") != std::string::npos);
}

TEST_CASE("pg an unreachable database is refused at open with the reason") {
    auto s = PgStorage::open("postgresql://postgres@127.0.0.1:1/postgres", PgOptions{"t", 2000ms});
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().find("cannot connect to PostgreSQL") != std::string::npos);
}

TEST_CASE("pg a failed batch fails later writes of that instance, not of others") {
    PgSchema db;
    auto st = open_storage(db.url(), any_write_mode());
    REQUIRE(write(*st, AppendOp{"d", op_record(0, R"(["a"])")}, 7));
    // Revision 0 again violates the primary key: the transaction fails and nothing is acknowledged.
    CHECK_FALSE(write(*st, AppendOp{"d", op_record(0, R"(["b"])")}, 7));
    CHECK_FALSE(st->healthy());
    CHECK_FALSE(write(*st, AppendOp{"d", op_record(1, R"([1,"c"])")}, 7));
    CHECK(write(*st, AppendOp{"d", op_record(1, R"([1,"d"])")}, 8));
    CHECK(st->healthy());
    auto rec = st->load("d").value();
    REQUIRE(rec.ops.size() == 2);
    CHECK(rec.ops[1].operation_json == R"([1,"d"])");
}

TEST_CASE("pg every write's callback runs after its COMMIT: another connection already sees it") {
    PgSchema db;
    auto st = open_storage(db.url(), any_write_mode());
    PgConnection other;
    kolabpad::server::testing::connect(other, db.url());
    std::atomic<int> visible{0}, done{0};
    constexpr int n = 40;
    for (int i = 0; i < n; ++i) {
        st->submit(AppendOp{"d", op_record(static_cast<std::uint64_t>(i), R"(["x"])")}, 1, [&, i](bool ok) {
            CHECK(ok);
            auto r = other.exec("SELECT count(*) FROM operations WHERE document = 'd' AND revision = " + std::to_string(i));
            if (r.ok() && r.int8(0, 0) == 1) ++visible;
            ++done;
        });
    }
    st->flush();
    CHECK(done == n);
    CHECK(visible == n);
}

TEST_CASE("pg writes queued during a commit share the next transaction, with after_batch once per batch") {
    PgSchema db;
    auto st = open_storage(db.url(), any_write_mode());
    std::mutex mu;
    std::vector<std::string> order;
    auto log = [&](std::string what) {
        std::lock_guard lock(mu);
        order.push_back(std::move(what));
    };
    // The first write's callback holds the writer until the next ones are queued: they then share
    // one batch, and each of their callbacks defers work.
    std::promise<void> queued, entered;
    auto queued_f = queued.get_future();
    st->submit(AppendOp{"doc", op_record(0, "[\"a\"]")}, 1, [&](bool ok) {
        CHECK(ok);
        entered.set_value();
        queued_f.wait();
        log("cb0");
    });
    entered.get_future().wait();  // the first batch is committed and in its callbacks
    for (int k = 1; k <= 2; ++k) {
        st->submit(AppendOp{"doc", op_record(k, "[1,\"b\"]")}, 1, [&, k](bool ok) {
            CHECK(ok);
            log("cb" + std::to_string(k));
            st->after_batch([&, k] { log("after" + std::to_string(k)); });
        });
    }
    for (int k = 3; k < 50; ++k) st->submit(AppendOp{"other", op_record(k - 3, "[\"c\"]")}, 1, nullptr);
    CHECK(st->pending_writes() == 50);
    queued.set_value();
    st->flush();  // returns only after the deferred work ran
    CHECK(order == std::vector<std::string>{"cb0", "cb1", "cb2", "after1", "after2"});
    CHECK(st->pending_writes() == 0);
    CHECK(st->commit_batch_sizes().count() == 2);
    CHECK(st->commit_batch_sizes().sum() == 50);
    CHECK(st->commit_latency().count() == 2);
    bool ran = false;
    st->after_batch([&] { ran = true; });
    CHECK(ran);
}

TEST_CASE("pg after close, submits fail at once and queued writes were finished") {
    PgSchema db;
    auto st = open_storage(db.url());
    std::atomic<int> ok{0};
    for (int i = 0; i < 20; ++i) st->submit(AppendOp{"d", op_record(static_cast<std::uint64_t>(i), "[\"a\"]")}, 1, [&](bool c) { ok += c; });
    st->close();
    CHECK(ok == 20);
    bool called = false, result = true;
    st->submit(AppendOp{"d", op_record(20, "[\"a\"]")}, 1, [&](bool c) {
        called = true;
        result = c;
    });
    CHECK(called);
    CHECK_FALSE(result);
}

TEST_CASE("pg load_ops reads the log from one revision up to another, and load_latest the latest snapshot and the tail") {
    PgSchema db;
    auto st = open_storage(db.url());
    for (std::uint64_t i = 0; i < 10; ++i) REQUIRE(write(*st, AppendOp{"d", op_record(i, "[" + std::to_string(i) + ",\"a\"]")}));
    REQUIRE(write(*st, SaveSnapshot{"d", 6, "aaaaaa", 3}));
    auto range = st->load_ops("d", 3, 7).value();
    REQUIRE(range.size() == 4);
    CHECK(range.front().revision == 3);
    CHECK(range.back().revision == 6);
    CHECK(st->load_ops("d", 0, 3).value().size() == 3);  // the whole log is kept
    CHECK(st->load_ops("d", 7, 7).value().empty());
    CHECK(st->load_ops("d", 8, 100).value().size() == 2);
    auto latest = st->load_latest("d").value();
    CHECK(latest.exists);
    CHECK(latest.snapshot_revision == 6);
    CHECK(latest.snapshot_text == "aaaaaa");
    REQUIRE(latest.ops.size() == 4);
    CHECK(latest.ops.front().revision == 6);
    auto fresh = st->load_latest("new").value();
    CHECK_FALSE(fresh.exists);
    CHECK(fresh.ops.empty());
}

TEST_CASE("pg count_documents counts documents, and every read works on the reader pool from many threads") {
    PgSchema db;
    PgOptions o;
    o.readers = 2;
    auto st = open_storage(db.url(), o);
    for (int d = 0; d < 5; ++d) REQUIRE(write(*st, AppendOp{"doc" + std::to_string(d), op_record(0, "[\"a\"]")}));
    CHECK(st->count_documents().value() == 5);
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                if (st->load("doc" + std::to_string((t + i) % 5)).value().ops.size() == 1) ++good;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(good == 160);
}
