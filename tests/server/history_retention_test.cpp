// Retention: what HISTORY_RETENTION_DAYS drops, and that everything after the new start, every named
// version and the session list keep working.
#include "history/history.hpp"
#include "history/retention.hpp"
#include "history_fixture.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::history;
using kolabpad::server::testing::LogBuilder;
using kolabpad::ot::testing::Alphabet;
using kolabpad::ot::testing::RandomOps;
namespace ot = kolabpad::ot;

namespace {
constexpr std::uint64_t kMax = 256 * 1024;
constexpr std::int64_t kDay = 86'400'000;
}  // namespace

TEST_CASE("retention starts the kept log at the latest keyframe before the cutoff", "[history][retention]") {
    const std::vector<std::uint64_t> keyframes{100, 200, 300, 400};
    auto plan = plan_retention(LogBounds{0, 450}, 350, keyframes, std::vector<std::uint64_t>{50, 120, 300, 420});
    REQUIRE(plan);
    CHECK(plan->start == 300);
    CHECK(plan->keep_keyframes == std::vector<std::uint64_t>{50, 120});
    CHECK(plan->materialize == std::vector<std::uint64_t>{50, 120});
    // Nothing to drop: no keyframe after the current start and at or before the cutoff.
    CHECK_FALSE(plan_retention(LogBounds{300, 450}, 350, keyframes, {}));
    CHECK_FALSE(plan_retention(LogBounds{0, 450}, 90, keyframes, {}));
    // Everything is older than the cutoff: the start moves to the latest keyframe, the tail stays.
    CHECK(plan_retention(LogBounds{0, 450}, 450, keyframes, {})->start == 400);
    // A version at revision 0 needs no keyframe: revision 0 is always the empty text.
    CHECK(plan_retention(LogBounds{0, 450}, 350, keyframes, std::vector<std::uint64_t>{0})->materialize.empty());
}

TEST_CASE("the retention cutoff is off at 0 days", "[history][retention]") {
    CHECK_FALSE(retention_cutoff_ms(0, 100 * kDay));
    CHECK(retention_cutoff_ms(30, 100 * kDay) == 70 * kDay);
}

TEST_CASE("after retention every kept revision and every named version still rebuild", "[history][retention]") {
    RandomOps r(60, Alphabet::hard);
    MemorySource source;
    LogBuilder log(source, "d", KeyframePolicy{20, 4096});
    std::vector<std::uint64_t> versions;
    for (int i = 0; i < 400; ++i) {
        if (i == 35 || i == 130) {
            source.put_version("d", VersionRecord{log.revision(), "v" + std::to_string(i), 1, i * kDay / 4});
            versions.push_back(log.revision());
        }
        log.random_edit(r, r.between(0, 2), i * kDay / 4);  // four operations a day
    }
    // Keep 30 days at day 100: operations of days 70 on (revision 280 on).
    const std::int64_t cutoff = *retention_cutoff_ms(30, 100 * kDay);
    std::uint64_t first_recent = 0;
    while (first_recent < log.revision() && source.document("d").summaries[first_recent].time_ms < cutoff) ++first_recent;
    std::vector<std::uint64_t> keyframes;
    for (const auto& [rev, k] : source.document("d").keyframes) keyframes.push_back(rev);
    auto plan = plan_retention(LogBounds{0, log.revision()}, first_recent, keyframes, versions);
    REQUIRE(plan);
    CHECK(plan->start == 280);
    // The executor: build the versions' keyframes first, then drop.
    History h(source, HistoryOptions{}, kMax);
    for (std::uint64_t v : plan->materialize) {
        auto k = h.text_at("d", v);
        REQUIRE(k.ok());
        source.put_keyframe("d", keyframe_record(*k));
    }
    source.drop_before("d", plan->start, plan->keep_keyframes);

    for (std::uint64_t rev = 0; rev <= log.revision(); ++rev) {
        auto at = h.text_at("d", rev);
        const bool kept = rev >= plan->start || rev == 0 || rev == 35 || rev == 130;
        INFO("revision " << rev);
        REQUIRE(at.ok() == kept);
        if (kept) {
            CHECK(at->text == log.texts[rev]);
            CHECK(at->attribution == log.attributions[rev]);
        } else {
            CHECK(at.failure().code == Failure::Code::gone);
            CHECK(http_status(at.failure().code) == 410);
        }
    }
    // Diffs and restores from a kept version to now work without the dropped log (as text diffs).
    auto d = h.diff("d", 130, log.revision());
    REQUIRE(d.ok());
    CHECK(d->diff.method == Method::text_diff);
    CHECK(ot::apply(d->diff.operation, log.texts[130]).value() == log.texts.back());
    auto back = h.restore("d", 35);
    REQUIRE(back.ok());
    CHECK(back->op.method == Method::text_diff);
    CHECK(ot::apply(back->op.operation, log.texts.back()).value() == log.texts[35]);
    CHECK(h.diff("d", 100, 300).failure().code == Failure::Code::gone);

    // The session list ends with the versions that no kept session ends at.
    std::vector<Session> sessions;
    std::optional<std::uint64_t> before;
    do {
        auto p = h.page("d", before, 3);
        REQUIRE(p.ok());
        CHECK(p->bounds.start == 280);
        sessions.insert(sessions.end(), p->page.sessions.begin(), p->page.sessions.end());
        before = p->page.next_before;
    } while (before);
    REQUIRE(sessions.size() >= 2);
    CHECK(sessions[sessions.size() - 2].start == 130);
    CHECK(sessions[sessions.size() - 2].end == 130);
    CHECK(sessions.back().version->name == "v35");
    CHECK(sessions[sessions.size() - 3].start == 280);
}
