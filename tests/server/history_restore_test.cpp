// Restore: one operation on the current text that gives back exactly an older revision's text, from
// the inverted log when it is kept, else from a text diff; with emoji, joiners and U+FEFF.
#include "history/history.hpp"
#include "history/restore.hpp"
#include "history_fixture.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::history;
using kolabpad::server::testing::hop;
using kolabpad::server::testing::LogBuilder;
using kolabpad::ot::testing::Alphabet;
using kolabpad::ot::testing::RandomOps;
namespace ot = kolabpad::ot;

namespace {
constexpr std::uint64_t kMax = 256 * 1024;
constexpr std::uint64_t kSteps = 20'000'000;

std::uint64_t cost(const ot::Operation& op) {
    const Change c = change_of(op);
    return c.inserted + c.deleted;
}
}  // namespace

TEST_CASE("applying the restore operation to the current text gives exactly the old text", "[history][restore][property]") {
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        RandomOps r(seed, Alphabet::hard);
        MemorySource source;
        LogBuilder log(source, "d", KeyframePolicy{r.between(3, 30), 8192});
        for (int i = 0; i < 250; ++i) log.random_edit(r, r.between(0, 3), i * 1000);
        HistoryOptions o;
        o.diff_max_ops = seed % 2 ? 20'000 : 40;  // half the seeds restore far revisions by text diff
        History h(source, o, kMax);
        for (int k = 0; k < 40; ++k) {
            const std::uint64_t n = r.between(0, log.revision());
            auto plan = h.restore("d", n);
            INFO("seed " << seed << " revision " << n);
            REQUIRE(plan.ok());
            CHECK(plan->revision == log.revision());
            CHECK(plan->op.method == (log.revision() - n <= o.diff_max_ops ? Method::composed : Method::text_diff));
            // A valid operation on the current text that turns it into the old one.
            const ot::Operation& op = plan->op.operation;
            REQUIRE(op.base_len() == ot::utf8::count(log.texts.back()));
            CHECK(ot::apply(op, log.texts.back()).value() == log.texts[n]);
        }
    }
}

TEST_CASE("both ways of restoring agree and neither rewrites what the texts share", "[history][restore][property]") {
    RandomOps r(50, Alphabet::hard);
    for (int c = 0; c < 500; ++c) {
        std::string old_text = r.text(r.between(0, 30));
        std::string current = old_text;
        std::vector<OpRecord> ops;
        for (std::uint64_t i = 0, n = r.between(0, 12); i < n; ++i) {
            ot::Operation o = LogBuilder::random_op(r, ot::utf8::count(current));
            current = ot::apply(o, current).value();
            ops.push_back(OpRecord{i, std::move(o), 1, 0, {}, {}});
        }
        const Keyframe target{0, old_text, ot::Attribution::uniform(ot::utf8::count(old_text), 1)};
        const auto since = compose_all(ops, ot::utf8::count(old_text));
        REQUIRE(since.ok());
        auto by_log = restore_operation(target, current, *since, kSteps);
        auto by_text = restore_operation(target, current, std::nullopt, kSteps);
        REQUIRE(by_log.ok());
        REQUIRE(by_text.ok());
        CHECK(by_log->method == Method::composed);
        CHECK(by_text->method == Method::text_diff);
        CHECK(ot::apply(by_log->operation, current).value() == old_text);
        CHECK(ot::apply(by_text->operation, current).value() == old_text);
        // The text diff is minimal, so the inverted log can only be as small or larger.
        CHECK(cost(by_text->operation) <= cost(by_log->operation));
    }
}

TEST_CASE("a restore keeps the text a collaborator deleted and retyped the same", "[history][restore]") {
    MemorySource source;
    LogBuilder log(source, "d");
    log.edit(hop(R"(["👨‍👩‍👧 fam \uFEFFily"])"), 1, 0);   // revision 1: the text to restore
    log.edit(hop("[-14]"), 2, 1);                           // Bob deletes everything
    log.edit(hop(R"(["👨‍👩‍👧 fam \uFEFFily!"])"), 2, 2);  // and types it again, with a "!"
    History h(source, HistoryOptions{}, kMax);
    auto plan = h.restore("d", 1);
    REQUIRE(plan.ok());
    CHECK(plan->op.method == Method::composed);
    CHECK(ot::to_json(plan->op.operation) == "[14,-1]");  // only the "!" goes
    CHECK(ot::apply(plan->op.operation, log.texts.back()).value() == log.texts[1]);
}

TEST_CASE("restoring the current revision changes nothing; past the head is not found", "[history][restore]") {
    MemorySource source;
    LogBuilder log(source, "d");
    log.edit(hop(R"(["abc"])"), 1, 0);
    History h(source, HistoryOptions{}, kMax);
    auto same = h.restore("d", 1);
    REQUIRE(same.ok());
    CHECK(same->op.operation.is_noop());
    CHECK(h.restore("d", 2).failure().code == Failure::Code::not_found);
    auto empty = h.restore("d", 0);
    REQUIRE(empty.ok());
    CHECK(ot::to_json(empty->op.operation) == "[-3]");
}

TEST_CASE("a restore whose inputs disagree falls back to the text diff and stays exact", "[history][restore]") {
    // `since` claims to lead from the target to the current text but does not: not trusted.
    const Keyframe target{0, "abc", ot::Attribution::uniform(3, 1)};
    auto r = restore_operation(target, "xyz", hop(R"([3,"!"])"), kSteps);
    REQUIRE(r.ok());
    CHECK(r->method == Method::text_diff);
    CHECK(ot::apply(r->operation, "xyz").value() == "abc");
}
