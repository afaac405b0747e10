// SqliteStorage's history (history_storage_checks.hpp), and what only a file has: migrating a
// database from before history was kept.
#include "helpers.hpp"
#include "history_storage_checks.hpp"
#include "storage/sqlite_storage.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::storage;
using kolabpad::server::testing::TempDir;

namespace {

std::unique_ptr<SqliteStorage> open_file(const std::string& path) {
    auto s = SqliteStorage::open(path);
    INFO(s.error());
    REQUIRE(s.ok());
    return std::move(s).value();
}

}  // namespace

TEST_CASE("sqlite history reads answer what was written", "[history][storage]") {
    TempDir dir;
    auto st = open_file(dir.file("db"));
    testing::check_history_reads(*st);
}

TEST_CASE("sqlite history reads work on an in-memory database too", "[history][storage]") {
    auto st = open_file(":memory:");
    testing::check_history_reads(*st);
}

TEST_CASE("sqlite loads read a tail bounded in operations and in inserted code points", "[history][storage]") {
    TempDir dir;
    auto st = open_file(dir.file("db"));
    testing::check_load_tail(*st);
}

TEST_CASE("sqlite summaries of rows from before the counts were kept come from their operation", "[history][storage]") {
    TempDir dir;
    const std::string path = dir.file("db");
    auto st = open_file(path);
    testing::check_summaries_of_old_rows(*st, [&](const std::string& doc, std::uint64_t rev, const std::string& json) {
        Connection c;
        REQUIRE(c.open(path).ok());
        REQUIRE(c.exec("PRAGMA busy_timeout = 5000"));
        Statement s = c.prepare("INSERT INTO operations (document, revision, operation, author, time) VALUES (?1, ?2, ?3, 1, 0)");
        REQUIRE(s.bind(1, doc).bind(2, static_cast<std::int64_t>(rev)).bind(3, json).step() == SQLITE_DONE);
    });
}

TEST_CASE("sqlite DropHistory drops old history but named versions and the authors' names", "[history][storage]") {
    TempDir dir;
    auto st = open_file(dir.file("db"));
    testing::check_drop_history(*st);
}

TEST_CASE("a database from before history migrates: snapshots become keyframes with unknown authors", "[history][storage]") {
    TempDir dir;
    const std::string path = dir.file("old.db");
    {
        // Schema 4 as the previous server left it: a compacted log from the base snapshot (2) on.
        Connection c;
        REQUIRE(c.open(path).ok());
        REQUIRE(migrate_to(c, 4).value() == 4);
        REQUIRE(c.exec("INSERT INTO documents (id, next_user_id, created_at, updated_at) VALUES ('d', 3, 1, 1)"));
        REQUIRE(c.exec("INSERT INTO snapshots VALUES ('d', 2, 'ab', 1), ('d', 4, 'abcd', 1)"));
        REQUIRE(c.exec("INSERT INTO operations (document, revision, operation, client, seq, author, time) VALUES "
                       "('d', 2, '[2,\"c\"]', NULL, NULL, 1, 1700000000000), "
                       "('d', 3, '[3,\"d\"]', NULL, NULL, 2, 1700000001000), "
                       "('d', 4, '[4,\"e\"]', NULL, NULL, 2, 1700000002000)"));
    }
    auto st = open_file(path);
    history::History h(*st->history(), history::HistoryOptions{}, 1 << 20);
    auto b = st->history()->bounds("d").value();
    CHECK(b.start == 2);
    CHECK(b.head == 5);
    // Text from before authorship was kept is unknown (-1); what was typed after the keyframe is known.
    auto a = h.authors("d", std::nullopt).value();
    CHECK(a.at.text == "abcde");
    CHECK(kolabpad::ot::to_json(a.at.attribution) == "[4,-1,1,2]");
    CHECK(h.text_at("d", 3).value().text == "abc");
    CHECK(h.text_at("d", 1).failure().code == history::Failure::Code::gone);
    auto page = h.page("d", std::nullopt, std::nullopt).value();
    REQUIRE(page.page.sessions.size() == 1);
    CHECK(page.page.sessions[0].inserted == 3);  // counted from the operations: the rows have no counts
    CHECK(page.bounds.start == 2);
    // The document still loads: from the keyframe at the first kept revision.
    auto rec = st->load("d").value();
    CHECK(rec.base_revision == 2);
    CHECK(rec.snapshot_revision == 4);
    CHECK_FALSE(rec.snapshot_attribution);
}
