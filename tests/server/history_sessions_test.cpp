// Sessions: grouping by pauses and named versions, authors as they looked at the time, and pages
// newest first that read only what they show.
#include "history/history.hpp"
#include "history_fixture.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::history;
using kolabpad::server::testing::LogBuilder;
using kolabpad::ot::testing::Alphabet;
using kolabpad::ot::testing::RandomOps;
namespace ot = kolabpad::ot;

namespace {

constexpr std::uint64_t kMax = 256 * 1024;
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kT0 = 1'700'000'000'000;

HistoryOptions options(std::uint64_t page_max = 100) {
    HistoryOptions o;
    o.page_limit_max = page_max;
    return o;
}

// Types `n` characters, one operation each, `gap_ms` apart, starting at `t` (advanced).
void type(LogBuilder& log, std::uint64_t author, int n, std::int64_t& t, std::int64_t gap_ms = 1000) {
    for (int i = 0; i < n; ++i) {
        log.edit(ot::Operation().retain(ot::utf8::count(log.texts.back())).insert("a"), author, t);
        t += gap_ms;
    }
}

// Every session by walking the pages of `h` with `limit`, newest first.
std::vector<Session> all_pages(History& h, const std::string& doc, std::uint64_t limit, int* pages = nullptr) {
    std::vector<Session> out;
    std::optional<std::uint64_t> before;
    for (int guard = 0; guard < 100000; ++guard) {
        auto p = h.page(doc, before, limit);
        REQUIRE(p.ok());
        REQUIRE(p->page.sessions.size() <= limit);
        out.insert(out.end(), p->page.sessions.begin(), p->page.sessions.end());
        if (pages) ++*pages;
        if (!p->page.next_before) break;
        REQUIRE(p->page.sessions.size() == limit);
        before = p->page.next_before;
    }
    return out;
}

}  // namespace

TEST_CASE("a pause longer than the setting starts a new session", "[history][sessions]") {
    MemorySource source;
    LogBuilder log(source, "d");
    std::int64_t t = kT0;
    type(log, 1, 10, t);            // ops 0..9
    t += 5 * kMinute;               // 5 minutes and 1 second after the last op: longer, splits
    type(log, 1, 5, t);             // ops 10..14
    t += 5 * kMinute - 1000;        // a pause of exactly the setting does not split
    type(log, 2, 5, t);             // ops 15..19
    History h(source, options(), kMax);
    auto p = h.page("d", std::nullopt, std::nullopt);
    REQUIRE(p.ok());
    REQUIRE(p->page.sessions.size() == 2);
    const Session& newest = p->page.sessions[0];
    CHECK(newest.start == 10);
    CHECK(newest.end == 20);
    CHECK(newest.operations == 10);
    CHECK(newest.inserted == 10);
    CHECK(newest.authors.size() == 2);
    CHECK(newest.start_time_ms == kT0 + 10'000 + 5 * kMinute);
    const Session& oldest = p->page.sessions[1];
    CHECK(oldest.start == 0);
    CHECK(oldest.end == 10);
    CHECK(oldest.start_time_ms == kT0);
    CHECK(oldest.end_time_ms == kT0 + 9'000);
    CHECK_FALSE(p->page.next_before);
    CHECK(p->bounds.head == 20);
}

TEST_CASE("a named version ends a session and is listed with it", "[history][sessions]") {
    MemorySource source;
    LogBuilder log(source, "d");
    std::int64_t t = kT0;
    type(log, 1, 6, t);
    source.put_version("d", VersionRecord{4, "draft", 1, t});
    source.put_version("d", VersionRecord{6, "first", 1, t});
    source.put_version("d", VersionRecord{6, "first, renamed", 2, t + 5});  // one name per revision
    type(log, 1, 3, t);
    History h(source, options(), kMax);
    auto p = h.page("d", std::nullopt, std::nullopt);
    REQUIRE(p.ok());
    REQUIRE(p->page.sessions.size() == 3);
    CHECK(p->page.sessions[0].start == 6);
    CHECK_FALSE(p->page.sessions[0].version);
    CHECK(p->page.sessions[1].start == 4);
    CHECK(p->page.sessions[1].end == 6);
    REQUIRE(p->page.sessions[1].version);
    CHECK(p->page.sessions[1].version->name == "first, renamed");
    CHECK(p->page.sessions[2].end == 4);
    CHECK(p->page.sessions[2].version->name == "draft");
}

TEST_CASE("authors appear with the name and hue they had at the time", "[history][sessions]") {
    MemorySource source;
    LogBuilder log(source, "d");
    std::int64_t t = kT0;
    source.put_user_info("d", UserInfoRecord{1, 0, t, "Alice", 10});
    type(log, 1, 3, t);
    t += 10 * kMinute;
    source.put_user_info("d", UserInfoRecord{1, 3, t, "Alice B.", 200});  // renamed before the second session
    type(log, 1, 3, t);
    History h(source, options(), kMax);
    auto p = h.page("d", std::nullopt, std::nullopt);
    REQUIRE(p.ok());
    REQUIRE(p->page.sessions.size() == 2);
    CHECK(p->users.at(1, p->page.sessions[0].authors[0].last_revision) == UserLook{"Alice B.", 200});
    CHECK(p->users.at(1, p->page.sessions[1].authors[0].last_revision) == UserLook{"Alice", 10});
    // A ClientInfo that arrived only after the user's first edit still names it.
    UserDirectory late(std::vector<UserInfoRecord>{{7, 12, t, "Bob", 5}});
    CHECK(late.at(7, 3) == UserLook{"Bob", 5});
    CHECK_FALSE(late.at(8, 3));
}

TEST_CASE("pages go newest first and next_before reaches every session exactly once", "[history][sessions][property]") {
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        RandomOps r(seed, Alphabet::hard);
        MemorySource source;
        LogBuilder log(source, "d");
        std::int64_t t = kT0;
        const int n = static_cast<int>(r.between(0, 400));
        for (int i = 0; i < n; ++i) {
            // Pauses from a second to ten minutes: some sessions, some of one operation.
            t += r.between(0, 9) == 0 ? static_cast<std::int64_t>(r.between(1, 10)) * kMinute : 1000;
            if (r.between(0, 30) == 0) source.put_version("d", VersionRecord{log.revision(), "v", 1, t});
            log.random_edit(r, r.between(0, 3), t);
        }
        if (r.between(0, 1)) source.put_version("d", VersionRecord{log.revision(), "head", 2, t});
        if (r.between(0, 1)) source.put_version("d", VersionRecord{0, "empty", 2, kT0});
        History h(source, options(), kMax);
        const auto& d = source.document("d");
        std::vector<VersionRecord> versions;
        for (const auto& [rev, v] : d.versions) versions.push_back(v);
        auto expected = group_sessions(d.summaries, versions, LogBounds{0, log.revision()}, 5 * kMinute);
        REQUIRE(expected.ok());
        std::reverse(expected->begin(), expected->end());
        for (std::uint64_t limit : {1, 2, 3, 7, 100}) {
            INFO("seed " << seed << " limit " << limit);
            CHECK(all_pages(h, "d", limit) == *expected);
        }
        // Sessions tile the log: each starts where the older one ends.
        for (std::size_t i = 0; i + 1 < expected->size(); ++i) {
            if ((*expected)[i + 1].start < (*expected)[i + 1].end) CHECK((*expected)[i].start == (*expected)[i + 1].end);
        }
    }
}

TEST_CASE("a page reads only the operations of its own sessions", "[history][sessions]") {
    MemorySource source;
    LogBuilder log(source, "d");
    std::int64_t t = kT0;
    for (int s = 0; s < 200; ++s) {  // 200 sessions of 50 operations
        type(log, 1 + s % 3, 50, t);
        t += 30 * kMinute;
    }
    History h(source, options(), kMax);
    const std::uint64_t before = source.rows_read();
    auto p = h.page("d", std::nullopt, 10);
    REQUIRE(p.ok());
    CHECK(p->page.sessions.size() == 10);
    CHECK(source.rows_read() - before <= 10 * 50 + 4096);  // its sessions plus at most one chunk
    REQUIRE(p->page.next_before);
    CHECK(*p->page.next_before == p->page.sessions.back().start + 1);
    // A later page starts from next_before without re-reading the newer sessions' operations.
    auto deep = h.page("d", 2001, 10);
    REQUIRE(deep.ok());
    CHECK(deep->page.sessions.front().end == 2000);
    CHECK(deep->page.sessions.back().start == 1500);
}

TEST_CASE("a limit outside 1..HISTORY_PAGE_MAX is a bad request", "[history][sessions]") {
    MemorySource source;
    LogBuilder log(source, "d");
    std::int64_t t = kT0;
    type(log, 1, 3, t);
    History h(source, options(5), kMax);
    CHECK(h.page("d", std::nullopt, 5).ok());
    auto over = h.page("d", std::nullopt, 6);
    REQUIRE_FALSE(over.ok());
    CHECK(over.failure().code == Failure::Code::bad_request);
    CHECK(over.failure().message == "limit must be from 1 to 5");
    CHECK(h.page("d", std::nullopt, 0).failure().code == Failure::Code::bad_request);
    // Without a limit a page has default_page_limit sessions, or HISTORY_PAGE_MAX when smaller.
    for (int i = 0; i < 30; ++i) {
        t += 10 * kMinute;
        type(log, 1, 1, t);
    }
    CHECK(h.page("d", std::nullopt, std::nullopt)->page.sessions.size() == 5);
    History wide(source, options(100), kMax);
    CHECK(wide.page("d", std::nullopt, std::nullopt)->page.sessions.size() == default_page_limit);
}

TEST_CASE("a before past the head or at zero is answered, not refused", "[history][sessions]") {
    MemorySource source;
    LogBuilder log(source, "d");
    std::int64_t t = kT0;
    type(log, 1, 3, t);
    History h(source, options(), kMax);
    CHECK(h.page("d", 1'000'000, std::nullopt)->page.sessions.size() == 1);
    CHECK(h.page("d", 0, std::nullopt)->page.sessions.empty());
    CHECK(h.page("d", 3, std::nullopt)->page.sessions.empty());  // the only session ends at 3
    CHECK(h.page("unknown", std::nullopt, std::nullopt)->page.sessions.empty());
}
