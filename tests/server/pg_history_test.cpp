// PgStorage's history (history_storage_checks.hpp) against the run's PostgreSQL, and migrating a
// schema from before history was kept.
#include "helpers.hpp"
#include "history_storage_checks.hpp"
#include "pg_helpers.hpp"
#include "storage/pg_migrations.hpp"
#include "storage/pg_storage.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::storage;
using kolabpad::server::testing::PgSchema;

namespace {

std::unique_ptr<PgStorage> open_pg(const std::string& url, PgOptions o = {}) {
    auto s = PgStorage::open(url, o);
    INFO(s.error());
    REQUIRE(s.ok());
    return std::move(s).value();
}

// Every combination of the two write strategies, as pg_storage_test.cpp checks them.
PgOptions any_mode() {
    PgOptions o;
    o.pipeline = GENERATE(true, false);
    o.multi_row = GENERATE(true, false);
    INFO("pipeline=" << o.pipeline << " multi_row=" << o.multi_row);
    return o;
}

}  // namespace

TEST_CASE("pg history reads answer what was written", "[history][storage]") {
    PgSchema db;
    auto st = open_pg(db.url(), any_mode());
    testing::check_history_reads(*st);
}

TEST_CASE("pg loads read a tail bounded in operations and in inserted code points", "[history][storage]") {
    PgSchema db;
    auto st = open_pg(db.url());
    testing::check_load_tail(*st);
}

TEST_CASE("pg summaries of rows from before the counts were kept come from their operation", "[history][storage]") {
    PgSchema db;
    auto st = open_pg(db.url());
    testing::check_summaries_of_old_rows(*st, [&](const std::string& doc, std::uint64_t rev, const std::string& json) {
        auto r = db.admin().exec("INSERT INTO " + db.name() +
                                     ".operations (document, revision, operation, author, time) VALUES ($1, $2, $3, 1, 0)",
                                 PgParams().text(doc).int8(static_cast<std::int64_t>(rev)).text(json));
        INFO(r.error());
        REQUIRE(r.ok());
    });
}

TEST_CASE("pg DropHistory drops old history but named versions and the authors' names", "[history][storage]") {
    PgSchema db;
    auto st = open_pg(db.url(), any_mode());
    testing::check_drop_history(*st);
}

TEST_CASE("a pg schema from before history migrates: snapshots become keyframes with unknown authors", "[history][storage]") {
    PgSchema db;
    {
        PgConnection c;
        testing::connect(c, db.url());
        REQUIRE(pg_migrate_to(c, 1).value() == 1);
        for (const char* sql : {
                 "INSERT INTO documents (id, next_user_id, created_at, updated_at) VALUES ('d', 3, 1, 1)",
                 "INSERT INTO snapshots VALUES ('d', 2, 'ab', 1), ('d', 4, 'abcd', 1)",
                 "INSERT INTO operations (document, revision, operation, client, seq, author, time) VALUES "
                 "('d', 2, '[2,\"c\"]', NULL, NULL, 1, 1700000000000), "
                 "('d', 3, '[3,\"d\"]', NULL, NULL, 2, 1700000001000), "
                 "('d', 4, '[4,\"e\"]', NULL, NULL, 2, 1700000002000)",
             }) {
            auto r = c.exec(sql);
            INFO(r.error());
            REQUIRE(r.ok());
        }
    }
    auto st = open_pg(db.url());
    history::History h(*st->history(), history::HistoryOptions{}, 1 << 20);
    auto a = h.authors("d", std::nullopt).value();
    CHECK(a.at.text == "abcde");
    CHECK(kolabpad::ot::to_json(a.at.attribution) == "[4,-1,1,2]");
    CHECK(h.text_at("d", 3).value().text == "abc");
    CHECK(h.text_at("d", 1).failure().code == history::Failure::Code::gone);
    auto page = h.page("d", std::nullopt, std::nullopt).value();
    REQUIRE(page.page.sessions.size() == 1);
    CHECK(page.page.sessions[0].inserted == 3);
    auto rec = st->load("d").value();
    CHECK(rec.base_revision == 2);
    CHECK(rec.snapshot_revision == 4);
}
