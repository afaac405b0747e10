// The exact JSON of /api/history, /api/diff, /api/authors, their errors and the Version broadcast.
#include "history/history.hpp"
#include "history/history_json.hpp"
#include "history_fixture.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::history;
using kolabpad::server::testing::hop;
using kolabpad::server::testing::LogBuilder;
namespace ot = kolabpad::ot;

namespace {
constexpr std::uint64_t kMax = 256 * 1024;
constexpr std::int64_t kT0 = 1'700'000'000'000;
}  // namespace

TEST_CASE("a history page has the documented JSON shape", "[history][json]") {
    MemorySource source;
    LogBuilder log(source, "d");
    source.put_user_info("d", UserInfoRecord{1, 0, kT0, "Alice", 42});
    source.put_user_info("d", UserInfoRecord{2, 0, kT0, "Bob \"B\"", 200});
    source.put_user_info("d", UserInfoRecord{3, 1, kT0, "Alice", 42});  // Alice again, after a reconnect
    log.edit(hop(R"(["hello"])"), 1, kT0);
    log.edit(hop(R"([5," world"])"), 3, kT0 + 1000);
    log.edit(hop(R"([5,-6])"), 2, kT0 + 2000);
    source.put_version("d", VersionRecord{3, "first draft", 2, kT0 + 3000});
    log.edit(hop(R"([5,"!"])"), 4, kT0 + 3'600'000);  // an hour later, a user who never sent ClientInfo
    History h(source, HistoryOptions{}, kMax);
    auto p = h.page("d", std::nullopt, 1);
    REQUIRE(p.ok());
    CHECK(page_json(*p) ==
          R"({"revision":4,"first_revision":0,"sessions":[{"start":3,"end":4,"start_time":1700003600000,)"
          R"("end_time":1700003600000,"operations":1,"inserted":1,"deleted":0,"authors":[{"name":null,"hue":null,)"
          R"("users":[4],"operations":1,"inserted":1,"deleted":0}],"version":null}],"next_before":4})");
    auto older = h.page("d", 4, 1);
    REQUIRE(older.ok());
    CHECK(page_json(*older) ==
          R"({"revision":4,"first_revision":0,"sessions":[{"start":0,"end":3,"start_time":1700000000000,)"
          R"("end_time":1700000002000,"operations":3,"inserted":11,"deleted":6,"authors":[)"
          R"({"name":"Alice","hue":42,"users":[1,3],"operations":2,"inserted":11,"deleted":0},)"
          R"({"name":"Bob \"B\"","hue":200,"users":[2],"operations":1,"inserted":0,"deleted":6}],)"
          R"("version":{"name":"first draft","user":2,"user_name":"Bob \"B\"","time":1700000003000}}],"next_before":null})");
}

TEST_CASE("a diff has the documented JSON shape", "[history][json]") {
    MemorySource source;
    LogBuilder log(source, "d");
    source.put_user_info("d", UserInfoRecord{1, 0, kT0, "Alice", 42});
    log.edit(hop(R"(["a🎉c"])"), 1, kT0);
    log.edit(hop(R"([1,"\uFEFF",-1,1])"), 2, kT0 + 1);
    History h(source, HistoryOptions{}, kMax);
    auto d = h.diff("d", 1, 2);
    REQUIRE(d.ok());
    CHECK(diff_json(*d) ==
          "{\"from\":1,\"to\":2,\"method\":\"composed\",\"operation\":[1,\"\xEF\xBB\xBF\",-1,1],\"spans\":["
          "{\"kind\":\"kept\",\"text\":\"a\",\"author\":1},"
          "{\"kind\":\"inserted\",\"text\":\"\xEF\xBB\xBF\",\"author\":2},"
          "{\"kind\":\"deleted\",\"text\":\"🎉\",\"author\":1},"
          "{\"kind\":\"kept\",\"text\":\"c\",\"author\":1}],"
          "\"authors\":{\"1\":{\"name\":\"Alice\",\"hue\":42},\"2\":null}}");
}

TEST_CASE("authorship at a revision has the documented JSON shape", "[history][json]") {
    MemorySource source;
    LogBuilder log(source, "d");
    source.put_user_info("d", UserInfoRecord{0, 0, kT0, "Zoë", 7});
    source.put_keyframe("d", KeyframeRecord{0, "", std::nullopt});
    log.edit(hop(R"(["ab"])"), 0, kT0);
    log.edit(hop(R"([1,"\n",1])"), 5, kT0);
    History h(source, HistoryOptions{}, kMax);
    auto a = h.authors("d", 2);
    REQUIRE(a.ok());
    CHECK(authors_json(*h.authors("d", std::nullopt)) == authors_json(*a));  // the head by default
    CHECK(h.authors("d", 3).failure().code == Failure::Code::not_found);
    CHECK(authors_json(*a) ==
          R"({"revision":2,"text":"a\nb","attribution":[1,0,1,5,1,0],"authors":{"0":{"name":"Zoë","hue":7},"5":null}})");
    // Text from before authorship was kept is author -1 in the attribution and absent from "authors".
    AuthorsView legacy{Keyframe{3, "xy", ot::Attribution::uniform(2, ot::unknown_author)}, {}};
    CHECK(authors_json(legacy) == R"({"revision":3,"text":"xy","attribution":[2,-1],"authors":{}})");
}

TEST_CASE("failures have the documented JSON shape", "[history][json]") {
    CHECK(failure_json(Failure{Failure::Code::gone, "revision 3 is older than the kept history"}) ==
          R"({"error":"gone","message":"revision 3 is older than the kept history"})");
    CHECK(http_status(Failure::Code::bad_request) == 400);
    CHECK(http_status(Failure::Code::corrupt) == 500);
    CHECK(http_status(Failure::Code::unavailable) == 503);
}
