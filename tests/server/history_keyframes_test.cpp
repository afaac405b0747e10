// Keyframes and text_at: the policy, the bound on replay, equality with a replay from revision 0,
// and stored keyframes read back as untrusted input.
#include "history/history.hpp"
#include "history_fixture.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::history;
using kolabpad::server::testing::hop;
using kolabpad::server::testing::LogBuilder;
using kolabpad::ot::testing::Alphabet;
using kolabpad::ot::testing::RandomOps;

namespace {
constexpr std::uint64_t kMax = 256 * 1024;
}

TEST_CASE("a keyframe is due after every_ops operations or every_bytes bytes, whichever comes first",
          "[history][keyframes]") {
    KeyframeSchedule by_ops(KeyframePolicy{3, 1000});
    CHECK_FALSE(by_ops.note(1, 10));
    CHECK_FALSE(by_ops.note(2, 10));
    CHECK(by_ops.note(3, 10));
    by_ops.saved(3);
    CHECK_FALSE(by_ops.note(4, 10));

    KeyframeSchedule by_bytes(KeyframePolicy{100, 50});
    CHECK_FALSE(by_bytes.note(1, 20));
    CHECK_FALSE(by_bytes.note(2, 20));
    CHECK(by_bytes.note(3, 20));  // 60 bytes >= 50
    // Until it is saved the keyframe stays due.
    CHECK(by_bytes.note(4, 1));
    by_bytes.saved(4);
    CHECK(by_bytes.last() == 4);
    CHECK_FALSE(by_bytes.note(5, 1));
}

TEST_CASE("any keyframe, a snapshot's too, restarts the count", "[history][keyframes]") {
    KeyframeSchedule s(KeyframePolicy{3, 1000}, 10);
    CHECK_FALSE(s.note(10, 5));  // at or before the last keyframe: not counted
    CHECK_FALSE(s.note(11, 5));
    CHECK_FALSE(s.note(12, 5));
    s.saved(12);  // e.g. the last user left and a snapshot was stored
    CHECK_FALSE(s.note(13, 5));
    CHECK_FALSE(s.note(14, 5));
    CHECK(s.note(15, 5));
    s.saved(9);  // an older keyframe changes nothing
    CHECK(s.last() == 12);
}

TEST_CASE("the text at any revision equals replaying the log from revision 0", "[history][keyframes][property]") {
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        RandomOps r(seed, Alphabet::hard);
        MemorySource source;
        LogBuilder log(source, "d", KeyframePolicy{r.between(1, 20), r.between(40, 400)});
        std::int64_t t = 1'700'000'000'000;
        for (int i = 0; i < 300; ++i) log.random_edit(r, r.between(0, 3), t += 1000);
        History h(source, HistoryOptions{}, kMax);
        for (std::uint64_t rev = 0; rev <= log.revision(); ++rev) {
            auto at = h.text_at("d", rev);
            INFO("seed " << seed << " revision " << rev << ": " << (at ? "" : at.failure().message));
            REQUIRE(at.ok());
            CHECK(at->revision == rev);
            CHECK(at->text == log.texts[rev]);
            CHECK(at->attribution == log.attributions[rev]);
        }
    }
}

TEST_CASE("rebuilding a revision replays at most the policy's operations", "[history][keyframes]") {
    RandomOps r(20, Alphabet::hard);
    MemorySource source;
    LogBuilder log(source, "d", KeyframePolicy{25, 1u << 30});
    for (int i = 0; i < 500; ++i) log.random_edit(r, r.between(0, 2), 1000 * i);
    History h(source, HistoryOptions{}, kMax);
    for (std::uint64_t rev = 0; rev <= log.revision(); rev += 7) {
        const std::uint64_t before = source.rows_read();
        REQUIRE(h.text_at("d", rev).ok());
        CHECK(source.rows_read() - before < 25);
    }
    // With bytes the smaller bound, big operations bring keyframes closer together.
    MemorySource pasted;
    LogBuilder big(pasted, "p", KeyframePolicy{1000, 2000});
    for (int i = 0; i < 100; ++i) {
        big.edit(kolabpad::ot::Operation().retain(kolabpad::ot::utf8::count(big.texts.back())).insert(std::string(500, 'x')), 1, i);
    }
    History hp(pasted, HistoryOptions{}, kMax);
    const std::uint64_t before = pasted.rows_read();
    REQUIRE(hp.text_at("p", 99).ok());
    CHECK(pasted.rows_read() - before <= 4);  // 4 operations of ~506 bytes reach 2000 bytes
}

TEST_CASE("revision 0 is the empty text and a revision past the head is not found", "[history][keyframes]") {
    MemorySource source;
    LogBuilder log(source, "d");
    log.edit(hop(R"(["hi 🎉"])"), 1, 10);
    History h(source, HistoryOptions{}, kMax);
    auto zero = h.text_at("d", 0);
    REQUIRE(zero.ok());
    CHECK(zero->text.empty());
    CHECK(h.text_at("d", 1)->text == "hi 🎉");
    auto past = h.text_at("d", 2);
    REQUIRE_FALSE(past.ok());
    CHECK(past.failure().code == Failure::Code::not_found);
    CHECK(http_status(past.failure().code) == 404);
    // An unknown document has only revision 0.
    CHECK(h.text_at("nobody", 0).ok());
    CHECK(h.text_at("nobody", 1).failure().code == Failure::Code::not_found);
}

TEST_CASE("a keyframe stored before authorship was kept reads as unknown authors", "[history][keyframes]") {
    auto k = parse_keyframe(KeyframeRecord{7, "a\uFEFF👨\u200d👩", std::nullopt}, kMax);
    REQUIRE(k.ok());
    CHECK(k->attribution.runs() == std::vector<kolabpad::ot::AuthorRun>{{5, kolabpad::ot::unknown_author}});
}

TEST_CASE("a corrupt stored keyframe is refused, never trusted", "[history][keyframes]") {
    CHECK_FALSE(parse_keyframe(KeyframeRecord{1, "ab\xff", "[3,1]"}, kMax).ok());         // invalid UTF-8
    CHECK_FALSE(parse_keyframe(KeyframeRecord{1, "abc", "[2,1]"}, kMax).ok());             // covers less
    CHECK_FALSE(parse_keyframe(KeyframeRecord{1, "abc", "[4,1]"}, kMax).ok());             // covers more
    CHECK_FALSE(parse_keyframe(KeyframeRecord{1, "abc", "[3,1"}, kMax).ok());              // truncated
    CHECK_FALSE(parse_keyframe(KeyframeRecord{1, std::string(11, 'a'), "[11,1]"}, 10).ok());  // over the size limit
    CHECK(parse_keyframe(KeyframeRecord{1, std::string(10, 'a'), "[10,1]"}, 10).ok());

    // Through History: a corrupt keyframe is a corrupt answer (500), not a crash or a wrong text.
    MemorySource source;
    LogBuilder log(source, "d", KeyframePolicy{2, 1000});
    for (int i = 0; i < 6; ++i) log.edit(kolabpad::ot::Operation().retain(i).insert("x"), 1, i);
    source.document("d").keyframes[4].attribution_json = "[1,1]";
    History h(source, HistoryOptions{}, kMax);
    auto at = h.text_at("d", 5);
    REQUIRE_FALSE(at.ok());
    CHECK(at.failure().code == Failure::Code::corrupt);
    CHECK(at.failure().message.find("keyframe 4") != std::string::npos);
    // An operation that does not apply is reported too.
    source.document("d").ops[2].operation_json = "[9,\"y\"]";
    auto bad = h.text_at("d", 3);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.failure().code == Failure::Code::corrupt);
}

TEST_CASE("replay composes one author's run of operations and still gives every revision", "[history][keyframes]") {
    // Authors alternate in runs; replay batches each run, the attribution must come out per author.
    std::vector<OpRecord> ops;
    std::string text;
    kolabpad::ot::Attribution attribution;
    for (std::uint64_t i = 0; i < 40; ++i) {
        const std::uint64_t author = (i / 5) % 3;
        kolabpad::ot::Operation o;
        o.retain(kolabpad::ot::utf8::count(text)).insert(i % 2 ? "\uFEFF" : "🎉");
        text = kolabpad::ot::apply(o, text).value();
        attribution = kolabpad::ot::apply(o, attribution, author).value();
        ops.push_back(OpRecord{i, o, author, 0, {}, {}});
    }
    auto at = replay(Keyframe{}, ops, 40);
    REQUIRE(at.ok());
    CHECK(at->text == text);
    CHECK(at->attribution == attribution);
    CHECK(at->attribution.runs().size() == 8);
    // A gap in the operations is an error, not a wrong text.
    ops.erase(ops.begin() + 10);
    CHECK_FALSE(replay(Keyframe{}, ops, 40).ok());
    CHECK(replay(Keyframe{}, ops, 10).ok());
}
