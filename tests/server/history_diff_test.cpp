// Diffs between revisions: the composed operation, display spans that spell both texts with the
// right authors, and the bounded text diff used when the log is not at hand.
#include "history/history.hpp"
#include "history/text_diff.hpp"
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

// Code points inserted plus deleted by an operation.
std::uint64_t cost(const ot::Operation& op) {
    const Change c = change_of(op);
    return c.inserted + c.deleted;
}

// The code points of valid UTF-8 `s`, each as its own UTF-8 string.
std::vector<std::string> code_points(const std::string& s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t j = ot::utf8::advance(s, i, 1);
        out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

// The length of the longest common subsequence of two texts' code points (plain dynamic programming).
std::uint64_t lcs(const std::string& a, const std::string& b) {
    const auto x = code_points(a), y = code_points(b);
    std::vector<std::vector<std::uint64_t>> t(x.size() + 1, std::vector<std::uint64_t>(y.size() + 1, 0));
    for (std::size_t i = 1; i <= x.size(); ++i) {
        for (std::size_t j = 1; j <= y.size(); ++j) {
            t[i][j] = x[i - 1] == y[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
        }
    }
    return t[x.size()][y.size()];
}

ot::Attribution concat(ot::Attribution a, const ot::Attribution& b) {
    for (const ot::AuthorRun& r : b.runs()) a.append(r.length, r.author);
    return a;
}

// Checks that the spans spell the text at `from` (kept + deleted) and at `to` (kept + inserted),
// and that each span's author is the attribution's.
void check_spans(const Diff& d, const std::string& from_text, const ot::Attribution& from_attr,
                 const std::string& to_text, const ot::Attribution& to_attr) {
    std::string before, after;
    ot::Attribution before_attr, after_attr;
    for (const Span& s : d.spans) {
        REQUIRE_FALSE(s.text.empty());
        const std::uint64_t n = ot::utf8::count(s.text);
        if (s.kind != Span::Kind::inserted) {
            before += s.text;
            if (s.kind == Span::Kind::deleted) before_attr.append(n, s.author);
            else before_attr = concat(before_attr, from_attr.slice(before_attr.length(), n));
        }
        if (s.kind != Span::Kind::deleted) {
            after += s.text;
            after_attr.append(n, s.author);
        }
    }
    CHECK(before == from_text);
    CHECK(after == to_text);
    CHECK(after_attr == to_attr);
    // Deleted spans carry the author who had written them.
    CHECK(before_attr == from_attr);
}

}  // namespace

TEST_CASE("diff spans spell both texts and name who wrote each stretch", "[history][diff][property]") {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        RandomOps r(seed, Alphabet::hard);
        MemorySource source;
        LogBuilder log(source, "d", KeyframePolicy{10, 4096});
        for (int i = 0; i < 200; ++i) log.random_edit(r, r.between(0, 3), i * 1000);
        HistoryOptions o;
        o.diff_max_ops = seed % 2 ? 20'000 : 15;  // half the seeds diff long ranges as texts
        History h(source, o, kMax);
        for (int k = 0; k < 60; ++k) {
            const std::uint64_t a = r.between(0, log.revision());
            const std::uint64_t b = r.between(a, log.revision());
            auto v = h.diff("d", a, b);
            INFO("seed " << seed << " from " << a << " to " << b);
            REQUIRE(v.ok());
            const Diff& d = v->diff;
            CHECK(d.method == (b - a <= o.diff_max_ops ? Method::composed : Method::text_diff));
            CHECK(ot::apply(d.operation, log.texts[a]).value() == log.texts[b]);
            check_spans(d, log.texts[a], log.attributions[a], log.texts[b], log.attributions[b]);
        }
    }
}

TEST_CASE("a composed diff is exactly the log's change, not a guess", "[history][diff]") {
    // Bob deletes "foo" and types "foo" again: the text is the same, the diff says what happened.
    MemorySource source;
    LogBuilder log(source, "d");
    log.edit(hop(R"(["foo bar"])"), 1, 0);
    log.edit(hop("[-3,4]"), 2, 1);
    log.edit(hop(R"(["foo",4])"), 2, 2);
    History h(source, HistoryOptions{}, kMax);
    auto v = h.diff("d", 1, 3);
    REQUIRE(v.ok());
    CHECK(ot::to_json(v->diff.operation) == R"(["foo",-3,4])");
    REQUIRE(v->diff.spans.size() == 3);
    CHECK(v->diff.spans[0] == Span{Span::Kind::inserted, "foo", 2});
    CHECK(v->diff.spans[1] == Span{Span::Kind::deleted, "foo", 1});
    CHECK(v->diff.spans[2] == Span{Span::Kind::kept, " bar", 1});
    // An empty range is the identity.
    auto same = h.diff("d", 2, 2);
    REQUIRE(same.ok());
    CHECK(same->diff.operation.is_noop());
    CHECK(same->diff.spans == std::vector<Span>{{Span::Kind::kept, " bar", 1}});
}

TEST_CASE("a diff's revisions must be in order and not past the head", "[history][diff]") {
    MemorySource source;
    LogBuilder log(source, "d");
    log.edit(hop(R"(["x"])"), 1, 0);
    History h(source, HistoryOptions{}, kMax);
    CHECK(h.diff("d", 1, 0).failure().code == Failure::Code::bad_request);
    CHECK(h.diff("d", 0, 2).failure().code == Failure::Code::not_found);
    CHECK(h.diff("d", 0, 1).ok());
}

TEST_CASE("compose_all equals composing one operation after another", "[history][diff][property]") {
    RandomOps r(40, Alphabet::hard);
    for (int c = 0; c < 200; ++c) {
        std::string text = r.text(r.between(0, 10));
        const std::uint64_t base = ot::utf8::count(text);
        std::vector<OpRecord> ops;
        ot::Operation sequential = ot::Operation().retain(base);
        for (std::uint64_t i = 0, n = r.between(0, 40); i < n; ++i) {
            ot::Operation o = LogBuilder::random_op(r, ot::utf8::count(text));
            text = ot::apply(o, text).value();
            sequential = ot::compose(sequential, o).value();
            ops.push_back(OpRecord{i, std::move(o), 0, 0, {}, {}});
        }
        auto all = compose_all(ops, base);
        REQUIRE(all.ok());
        CHECK(*all == sequential);
    }
    // Operations that do not line up are refused.
    std::vector<OpRecord> bad{OpRecord{0, hop(R"([1,"a"])"), 0, 0, {}, {}}, OpRecord{1, hop("[5]"), 0, 0, {}, {}}};
    CHECK_FALSE(compose_all(bad, 1).ok());
    CHECK_FALSE(compose_all(bad, 2).ok());
}

TEST_CASE("the text diff is minimal in code points on small texts", "[history][diff][property]") {
    RandomOps r(41, Alphabet::hard);
    for (int c = 0; c < 1500; ++c) {
        const std::string a = r.text(r.between(0, 25));
        std::string b = a;
        for (std::uint64_t k = r.between(0, 4); k > 0; --k) {
            b = ot::apply(LogBuilder::random_op(r, ot::utf8::count(b)), b).value();
        }
        if (r.between(0, 5) == 0) b = r.text(r.between(0, 25));  // unrelated texts too
        const ot::Operation d = text_diff(a, b, kSteps);
        INFO(a << " -> " << b);
        REQUIRE(d.base_len() == ot::utf8::count(a));
        CHECK(ot::apply(d, a).value() == b);
        CHECK(cost(d) == ot::utf8::count(a) + ot::utf8::count(b) - 2 * lcs(a, b));
    }
}

TEST_CASE("the text diff stays exact when its budget runs out", "[history][diff]") {
    RandomOps r(42, Alphabet::hard);
    for (int c = 0; c < 300; ++c) {
        const std::string a = r.text(r.between(0, 200));
        const std::string b = r.text(r.between(0, 200));
        for (std::uint64_t steps : {0, 1, 50, 1000}) {
            const ot::Operation d = text_diff(a, b, steps);
            CHECK(ot::apply(d, a).value() == b);
        }
    }
}

TEST_CASE("long texts are diffed line by line, then the changed lines by code points", "[history][diff]") {
    // 4000 lines of code; change a word in three lines, delete one, add one.
    std::string a, b;
    for (int i = 0; i < 4000; ++i) {
        const std::string line = "    let value_" + std::to_string(i) + " = compute(" + std::to_string(i * 7) + "); // 🎉\n";
        a += line;
        if (i == 100 || i == 2000 || i == 3999) b += "    let value_" + std::to_string(i) + " = \uFEFFcompute(" + std::to_string(i * 7) + "); // 🎉\n";
        else if (i == 1500) continue;
        else b += line;
        if (i == 3000) b += "    // a new line\n";
    }
    REQUIRE(ot::utf8::count(a) > line_mode_above);
    const ot::Operation d = text_diff(a, b, kSteps);
    CHECK(ot::apply(d, a).value() == b);
    const std::uint64_t deleted_line = ot::utf8::count("    let value_1500 = compute(10500); // 🎉\n");
    CHECK(cost(d) == 3 + deleted_line + ot::utf8::count("    // a new line\n"));
}

TEST_CASE("narrowing keeps what a deletion and the insertion in its stead share", "[history][diff]") {
    const std::string base = "hello 🎉 world";
    // Replace everything with almost the same text.
    const ot::Operation wide = ot::Operation().insert("hello \uFEFF🎉 world!").remove(ot::utf8::count(base));
    const ot::Operation narrow_op = narrow(wide, base, kSteps);
    CHECK(ot::apply(narrow_op, base).value() == ot::apply(wide, base).value());
    CHECK(cost(narrow_op) == 2);
    // Components that are not a replacement pass through unchanged.
    const ot::Operation plain = hop(R"([2,"x",3,-2,7])");
    CHECK(narrow(plain, base, kSteps) == plain);
}
