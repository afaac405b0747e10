#include <fstream>
#include <future>
#include <mutex>
#include <vector>

#include "helpers.hpp"
#include "protocol/client_tag.hpp"
#include "storage/sqlite_storage.hpp"

using namespace kolabpad::server::storage;
using kolabpad::server::testing::TempDir;

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

int schema_version(const std::string& path) {
    Connection c;
    REQUIRE(c.open(path).ok());
    Statement s = c.prepare("SELECT max(version) FROM schema_version");
    REQUIRE(s.step() == SQLITE_ROW);
    return static_cast<int>(s.int64(0));
}

}  // namespace

TEST_CASE("storage round trip: log, snapshot and metadata") {
    TempDir dir;
    const std::string path = dir.file("nested/folder/db.sqlite");
    {
        auto s = SqliteStorage::open(path);
        REQUIRE(s.ok());
        Storage& st = *s.value();
        CHECK(write(st, AppendOp{"d", op_record(0, R"(["héllo 🎉"])", "c", 1)}));
        CHECK(write(st, AppendOp{"d", op_record(1, R"([7,"!"])")}));
        CHECK(write(st, SaveMeta{"d", "python", "tok"}));
        CHECK(write(st, SaveSnapshot{"d", 1, "héllo 🎉", 12}));
        CHECK(write(st, AppendOp{"d", op_record(2, R"([8,"?"])")}));
        CHECK(st.count_documents().value() == 1);
    }
    auto s = SqliteStorage::open(path);
    REQUIRE(s.ok());
    auto rec = s.value()->load("d");
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
    CHECK(s.value()->load_otp("d").value() == std::optional<std::string>("tok"));
    CHECK_FALSE(s.value()->load_otp("other").value());
    CHECK_FALSE(s.value()->load("other").value().exists);
}

TEST_CASE("the read-only link token is stored with the metadata and read alone, after an upgrade from version 4") {
    TempDir dir;
    const std::string path = dir.file("v4.db");
    {
        Connection c;
        REQUIRE(c.open(path).ok());
        REQUIRE(migrate_to(c, 4).value() == 4);
        REQUIRE(c.exec("INSERT INTO documents (id, language, otp, created_at, updated_at) VALUES ('old', 'rust', 'o', 1, 1)"));
    }
    auto s = SqliteStorage::open(path);
    REQUIRE(s.ok());
    Storage& st = *s.value();
    CHECK(schema_version(path) == latest_schema_version());
    CHECK(st.load("old").value().otp == std::optional<std::string>("o"));
    CHECK_FALSE(st.load_view_token("old").value());
    CHECK(write(st, AppendOp{"d", op_record(0, R"(["x"])")}));
    CHECK(write(st, SaveMeta{"d", "python", std::nullopt, "view-tok"}));
    CHECK(st.load_view_token("d").value() == std::optional<std::string>("view-tok"));
    CHECK(st.load("d").value().view_token == std::optional<std::string>("view-tok"));
    CHECK_FALSE(st.load("d").value().otp);
    CHECK_FALSE(st.load_view_token("other").value());
    CHECK(write(st, SaveMeta{"d", "python", "otp", "view-2"}));
    CHECK(st.load_view_token("d").value() == std::optional<std::string>("view-2"));
    CHECK(st.load_otp("d").value() == std::optional<std::string>("otp"));
}

TEST_CASE("snapshots keep the whole log; a load reads only its tail from a keyframe") {
    TempDir dir;
    auto s = SqliteStorage::open(dir.file("db"));
    REQUIRE(s.ok());
    Storage& st = *s.value();
    for (std::uint64_t i = 0; i < 6; ++i) REQUIRE(write(st, AppendOp{"d", op_record(i, "[" + std::to_string(i) + ",\"a\"]")}));
    REQUIRE(write(st, SaveSnapshot{"d", 3, "aaa", 0, "[3,7]"}));
    REQUIRE(write(st, SaveSnapshot{"d", 5, "aaaaa", 0, "[5,7]"}));
    auto whole = st.load("d").value();
    CHECK(whole.snapshot_revision == 5);
    CHECK(whole.snapshot_text == "aaaaa");
    CHECK(whole.snapshot_attribution == std::optional<std::string>("[5,7]"));
    CHECK(whole.base_revision == 0);
    REQUIRE(whole.ops.size() == 6);  // nothing was compacted away
    auto tail = st.load("d", LoadTail{3}).value();  // 6 - 3: keyframe 3 is where the rest fits
    CHECK(tail.base_revision == 3);
    CHECK(tail.base_text == "aaa");
    REQUIRE(tail.ops.size() == 3);
    CHECK(tail.ops.front().revision == 3);
    CHECK(st.load("d", LoadTail{6}).value().base_revision == 0);  // the whole log fits
    CHECK(st.load("d", LoadTail{0}).value().base_revision == 5);  // no tail: the latest keyframe
}

TEST_CASE("migrations bring an empty file to the latest schema") {
    TempDir dir;
    const std::string path = dir.file("empty.db");
    std::ofstream(path).close();  // a zero-byte file
    {
        auto s = SqliteStorage::open(path);
        REQUIRE(s.ok());
    }
    CHECK(schema_version(path) == latest_schema_version());
    CHECK(latest_schema_version() >= 2);
}

TEST_CASE("migrations upgrade an old file and keep its data") {
    TempDir dir;
    const std::string path = dir.file("old.db");
    {
        Connection c;
        REQUIRE(c.open(path).ok());
        REQUIRE(migrate_to(c, 1).value() == 1);
        REQUIRE(c.exec("INSERT INTO documents (id, language, created_at, updated_at) VALUES ('d', 'rust', 1, 1)"));
        REQUIRE(c.exec("INSERT INTO operations VALUES ('d', 0, '[\"old\"]', 'c', 4, 3, 1)"));
    }
    CHECK(schema_version(path) == 1);
    auto s = SqliteStorage::open(path);
    REQUIRE(s.ok());
    CHECK(schema_version(path) == latest_schema_version());
    auto rec = s.value()->load("d").value();
    CHECK(rec.language == std::optional<std::string>("rust"));
    REQUIRE(rec.ops.size() == 1);
    CHECK(rec.ops[0].seq == std::optional<std::uint64_t>(4));
}

TEST_CASE("a file from a newer server is refused") {
    TempDir dir;
    const std::string path = dir.file("new.db");
    {
        Connection c;
        REQUIRE(c.open(path).ok());
        REQUIRE(c.exec("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (999);"));
    }
    auto s = SqliteStorage::open(path);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().find("newer") != std::string::npos);
}

TEST_CASE("a file that is not a database is refused at open") {
    TempDir dir;
    const std::string path = dir.file("junk.db");
    std::ofstream(path) << std::string(8192, 'j');
    CHECK_FALSE(SqliteStorage::open(path).ok());
}

TEST_CASE("a failed batch fails later writes of that instance, not of others") {
    TempDir dir;
    auto s = SqliteStorage::open(dir.file("db"));
    REQUIRE(s.ok());
    Storage& st = *s.value();
    REQUIRE(write(st, AppendOp{"d", op_record(0, R"(["a"])")}, 7));
    // Revision 0 again violates the primary key: the transaction fails and nothing is acknowledged.
    CHECK_FALSE(write(st, AppendOp{"d", op_record(0, R"(["b"])")}, 7));
    CHECK_FALSE(st.healthy());
    CHECK_FALSE(write(st, AppendOp{"d", op_record(1, R"([1,"c"])")}, 7));
    CHECK(write(st, AppendOp{"d", op_record(1, R"([1,"d"])")}, 8));
    CHECK(st.healthy());
    auto rec = st.load("d").value();
    REQUIRE(rec.ops.size() == 2);
    CHECK(rec.ops[1].operation_json == R"([1,"d"])");
}

TEST_CASE("in-memory storage works without a file") {
    auto s = SqliteStorage::open(":memory:");
    REQUIRE(s.ok());
    REQUIRE(write(*s.value(), AppendOp{"m", op_record(0, R"(["x"])")}));
    CHECK(s.value()->load("m").value().ops.size() == 1);
    CHECK(s.value()->count_documents().value() == 1);
}

TEST_CASE("work deferred with after_batch runs once its batch's callbacks have all run") {
    TempDir dir;
    auto opened = SqliteStorage::open(dir.file("db.sqlite"));
    REQUIRE(opened.ok());
    auto& s = *opened.value();
    std::mutex mu;
    std::vector<std::string> order;
    auto log = [&](std::string what) {
        std::lock_guard lock(mu);
        order.push_back(std::move(what));
    };
    // The first write's callback holds the writer until the next two are queued: they then share
    // one batch, and each of their callbacks defers work.
    std::promise<void> queued, entered;
    auto queued_f = queued.get_future();
    s.submit(AppendOp{"doc", op_record(0, "[\"a\"]")}, 1, [&](bool ok) {
        CHECK(ok);
        entered.set_value();
        queued_f.wait();
        log("cb0");
    });
    entered.get_future().wait();  // the first batch is committed and in its callbacks
    for (int k = 1; k <= 2; ++k) {
        s.submit(AppendOp{"doc", op_record(k, "[1,\"b\"]")}, 1, [&, k](bool ok) {
            CHECK(ok);
            log("cb" + std::to_string(k));
            s.after_batch([&, k] { log("after" + std::to_string(k)); });
        });
    }
    queued.set_value();
    s.flush();  // returns only after the deferred work ran
    CHECK(order == std::vector<std::string>{"cb0", "cb1", "cb2", "after1", "after2"});
    // Outside a callback it runs at once.
    bool ran = false;
    s.after_batch([&] { ran = true; });
    CHECK(ran);
}

TEST_CASE("migration 4 replaces stored raw client ids with their tags") {
    TempDir dir;
    const std::string path = dir.file("v3.db");
    {
        Connection c;
        REQUIRE(c.open(path).ok());
        REQUIRE(migrate_to(c, 3).value() == 3);
        REQUIRE(c.exec("INSERT INTO documents (id, created_at, updated_at) VALUES ('d', 1, 1)"));
        REQUIRE(c.exec("INSERT INTO operations VALUES ('d', 0, '[\"a\"]', 'tab-1f3a', 1, 0, 1)"));
        REQUIRE(c.exec("INSERT INTO operations VALUES ('d', 1, '[1,\"b\"]', NULL, NULL, 1, 1)"));
    }
    auto s = SqliteStorage::open(path);
    REQUIRE(s.ok());
    auto rec = s.value()->load("d").value();
    REQUIRE(rec.ops.size() == 2);
    CHECK(rec.ops[0].client == std::optional<std::string>("FN6rbX3ub70vGX1dfLfBVq"));  // tag("tab-1f3a")
    CHECK(rec.ops[0].seq == std::optional<std::uint64_t>(1));
    CHECK_FALSE(rec.ops[1].client);
}

TEST_CASE("load_latest reads the latest snapshot and only the operations after it") {
    TempDir dir;
    auto s = SqliteStorage::open(dir.file("db"));
    REQUIRE(s.ok());
    Storage& st = *s.value();
    for (std::uint64_t i = 0; i < 6; ++i) REQUIRE(write(st, AppendOp{"d", op_record(i, "[" + std::to_string(i) + ",\"a\"]")}));
    // Latest snapshot at 4; the whole log is kept.
    REQUIRE(write(st, SaveSnapshot{"d", 2, "aa", 0}));
    REQUIRE(write(st, SaveSnapshot{"d", 4, "aaaa", 0}));
    REQUIRE(st.load("d").value().ops.front().revision == 0);  // what a full load reads

    auto latest = st.load_latest("d");
    REQUIRE(latest.ok());
    CHECK(latest->exists);
    CHECK(latest->snapshot_revision == 4);
    CHECK(latest->snapshot_text == "aaaa");
    REQUIRE(latest->ops.size() == 2);
    CHECK(latest->ops[0].revision == 4);
    CHECK(latest->ops[0].operation_json == "[4,\"a\"]");
    CHECK(latest->ops[1].revision == 5);

    SECTION("without a snapshot every operation is the tail") {
        REQUIRE(write(st, AppendOp{"e", op_record(0, R"(["x"])")}));
        auto e = st.load_latest("e").value();
        CHECK(e.exists);
        CHECK(e.snapshot_revision == 0);
        CHECK(e.snapshot_text.empty());
        REQUIRE(e.ops.size() == 1);
        CHECK(e.ops[0].operation_json == R"(["x"])");
    }
    SECTION("an unknown document does not exist") {
        auto u = st.load_latest("unknown").value();
        CHECK_FALSE(u.exists);
        CHECK(u.ops.empty());
    }
}
