// Attribution: runs of (length, author) moved through operations; unit rules, seeded properties over
// hard Unicode (joiner sequences, flags, combining marks, U+FEFF), and the serialized form.
#include "helpers.hpp"
#include "random_ops.hpp"

using namespace kolabpad::ot;
namespace ot = kolabpad::ot;
using kolabpad::ot::testing::Alphabet;
using kolabpad::ot::testing::op;
using kolabpad::ot::testing::RandomOps;

namespace {

constexpr int kCases = 2000;

// The attribution as one author per code point.
std::vector<std::uint64_t> expand(const Attribution& a) {
    std::vector<std::uint64_t> out;
    for (const AuthorRun& r : a.runs()) out.insert(out.end(), r.length, r.author);
    return out;
}

// The naive model: one author per code point, moved through `o` one component at a time.
std::vector<std::uint64_t> model_apply(const Operation& o, const std::vector<std::uint64_t>& before, std::uint64_t author) {
    std::vector<std::uint64_t> out;
    std::size_t pos = 0;
    for (const Component& c : o.components()) {
        if (c.kind == Kind::insert) out.insert(out.end(), c.n, author);
        if (c.kind == Kind::retain) out.insert(out.end(), before.begin() + pos, before.begin() + pos + c.n);
        if (c.kind != Kind::insert) pos += c.n;
    }
    return out;
}

bool canonical(const Attribution& a) {
    for (std::size_t i = 0; i < a.runs().size(); ++i) {
        if (a.runs()[i].length == 0) return false;
        if (i > 0 && a.runs()[i - 1].author == a.runs()[i].author) return false;
    }
    return true;
}

Attribution runs(std::initializer_list<AuthorRun> list) {
    Attribution a;
    for (const AuthorRun& r : list) a.append(r.length, r.author);
    return a;
}

}  // namespace

TEST_CASE("an attribution merges neighbours by one author and drops empty runs", "[attribution]") {
    Attribution a;
    a.append(2, 1).append(0, 2).append(3, 1).append(1, 2);
    CHECK(a.runs() == std::vector<AuthorRun>{{5, 1}, {1, 2}});
    CHECK(a.length() == 6);
    CHECK(a.author_at(4) == 1);
    CHECK(a.author_at(5) == 2);
    CHECK(a.author_at(6) == unknown_author);
    CHECK(a.slice(3, 3).runs() == std::vector<AuthorRun>{{2, 1}, {1, 2}});
    CHECK(a.slice(10, 3).length() == 0);
    CHECK(Attribution::uniform(0, 4).runs().empty());
}

TEST_CASE("appending a slice of runs merges only at the seam", "[attribution]") {
    Attribution a = runs({{2, 1}});
    const std::vector<AuthorRun> more{{3, 1}, {1, 2}, {4, 3}};
    a.append(std::span<const AuthorRun>(more));
    CHECK(a.runs() == std::vector<AuthorRun>{{5, 1}, {1, 2}, {4, 3}});
    CHECK(a.length() == 10);
    a.append(std::span<const AuthorRun>());
    CHECK(a.length() == 10);
}

TEST_CASE("retains keep their authors, deletes cut runs, inserts add a run of the editor", "[attribution]") {
    const Attribution before = runs({{4, 1}, {4, 2}});  // "aaaabbbb"
    // Insert inside the first run splits it; delete across the boundary cuts both runs.
    auto after = ot::apply(op(R"([2,"xy",1,-2,3])"), before, 3);
    REQUIRE(after.ok());
    CHECK(after->runs() == std::vector<AuthorRun>{{2, 1}, {2, 3}, {1, 1}, {3, 2}});
    CHECK(after->length() == 8);
}

TEST_CASE("deleting what separates two runs of one author merges them", "[attribution]") {
    const Attribution before = runs({{2, 1}, {3, 2}, {2, 1}});
    auto after = ot::apply(op("[2,-3,2]"), before, 2);
    REQUIRE(after.ok());
    CHECK(after->runs() == std::vector<AuthorRun>{{4, 1}});
    // An insert by the author of its neighbour joins that run.
    auto joined = ot::apply(op(R"([2,"z"])"), runs({{2, 5}}), 5);
    CHECK(joined->runs() == std::vector<AuthorRun>{{3, 5}});
}

TEST_CASE("an operation for a different length does not apply to an attribution", "[attribution]") {
    auto r = ot::apply(op("[3]"), Attribution::uniform(4, 1), 2);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("base is 3") != std::string::npos);
}

TEST_CASE("code points of an emoji joiner sequence are attributed one by one", "[attribution]") {
    // "👨‍👩‍👧‍👦" is 7 code points; an insert of U+FEFF between the first two moves the rest right.
    const std::string family = "👨\u200d👩\u200d👧\u200d👦";
    const Attribution before = Attribution::uniform(utf8::count(family), 1);
    REQUIRE(before.length() == 7);
    const Operation o = Operation().retain(1).insert("\uFEFF").retain(6);
    auto text = ot::apply(o, family);
    auto after = ot::apply(o, before, 2);
    REQUIRE(after.ok());
    CHECK(after->length() == utf8::count(*text));
    CHECK(after->runs() == std::vector<AuthorRun>{{1, 1}, {1, 2}, {6, 1}});
}

TEST_CASE("an attribution always covers exactly its text's code points", "[attribution][property]") {
    RandomOps r(101, Alphabet::hard);
    for (int i = 0; i < 300; ++i) {
        std::string text = r.text(r.between(0, 20));
        Attribution a = Attribution::uniform(utf8::count(text), unknown_author);
        for (int step = 0; step < 30; ++step) {
            const Operation o = r.operation(utf8::count(text));
            text = ot::apply(o, text).value();
            auto next = ot::apply(o, a, r.between(0, 3));
            REQUIRE(next.ok());
            a = std::move(next).value();
            REQUIRE(a.length() == utf8::count(text));
            REQUIRE(canonical(a));
        }
    }
}

TEST_CASE("runs of an author cover exactly the code points that author inserted", "[attribution][property]") {
    // Against the naive model (one author per code point): text present from the start stays unknown,
    // and nobody appears where they inserted nothing that survived.
    RandomOps r(102, Alphabet::hard);
    for (int i = 0; i < 300; ++i) {
        std::string text = r.text(r.between(0, 20));
        std::vector<std::uint64_t> model(utf8::count(text), unknown_author);
        Attribution a = Attribution::uniform(model.size(), unknown_author);
        for (int step = 0; step < 30; ++step) {
            const Operation o = r.operation(utf8::count(text));
            const std::uint64_t author = r.between(0, 3);
            text = ot::apply(o, text).value();
            model = model_apply(o, model, author);
            a = ot::apply(o, a, author).value();
            REQUIRE(expand(a) == model);
        }
    }
}

TEST_CASE("a composed operation by one author attributes like its parts", "[attribution][property]") {
    RandomOps r(103, Alphabet::hard);
    for (int i = 0; i < kCases; ++i) {
        const std::string s = r.text(r.between(0, 30));
        Attribution a;
        for (std::uint64_t left = utf8::count(s); left > 0;) {
            const std::uint64_t n = r.between(1, left);
            a.append(n, r.between(0, 3));
            left -= n;
        }
        const Operation x = r.operation(a.length());
        const Operation y = r.operation(x.target_len());
        const std::uint64_t author = r.between(0, 3);
        auto xy = compose(x, y);
        REQUIRE(xy.ok());
        const Attribution parts = ot::apply(y, ot::apply(x, a, author).value(), author).value();
        CHECK(ot::apply(*xy, a, author).value() == parts);
    }
}

TEST_CASE("concurrent edits give both sides the same attribution", "[attribution][property]") {
    // TP1 for text plus "every code point keeps its inserter" means the attributions converge too.
    RandomOps r(104, Alphabet::hard);
    for (int i = 0; i < kCases; ++i) {
        const std::string s = r.text(r.between(0, 30));
        const Attribution base = Attribution::uniform(utf8::count(s), 9);
        const Operation a = r.operation(base.length());
        const Operation b = r.operation(base.length());
        auto t = transform(a, b);
        REQUIRE(t.ok());
        const Attribution left = ot::apply(t->second, ot::apply(a, base, 1).value(), 2).value();
        const Attribution right = ot::apply(t->first, ot::apply(b, base, 2).value(), 1).value();
        CHECK(left == right);
    }
}

TEST_CASE("the serialized attribution round-trips, unknown authors as -1", "[attribution][json]") {
    const Attribution a = runs({{5, 0}, {3, unknown_author}, {1, max_author}});
    CHECK(to_json(a) == "[5,0,3,-1,1,9007199254740991]");
    auto back = attribution_from_json(to_json(a), 9);
    REQUIRE(back.ok());
    CHECK(*back == a);
    CHECK(to_json(Attribution()) == "[]");
    CHECK(attribution_from_json(" [ ] ", 0).ok());
    // Neighbours by one author are merged on reading.
    CHECK(attribution_from_json("[1, 4, 2, 4]", 3)->runs() == std::vector<AuthorRun>{{3, 4}});
}

TEST_CASE("printing and parsing attributions round-trip", "[attribution][json][property]") {
    RandomOps r(105, Alphabet::hard);
    for (int i = 0; i < kCases; ++i) {
        Attribution a;
        for (std::uint64_t k = r.between(0, 12); k > 0; --k) {
            a.append(r.between(1, 1000), r.between(0, 4) == 0 ? unknown_author : r.between(0, 5));
        }
        auto back = attribution_from_json(to_json(a), a.length());
        REQUIRE(back.ok());
        CHECK(*back == a);
    }
}

TEST_CASE("a corrupt serialized attribution is refused with where and why", "[attribution][json]") {
    const std::pair<const char*, std::uint64_t> bad[] = {
        {"", 0},
        {"{}", 0},
        {"[1]", 1},                         // a length without its author
        {"[1,2,3]", 4},
        {"[0,1]", 0},                       // empty run
        {"[-1,1]", 1},                      // negative length
        {"[1,-2]", 1},                      // author below -1
        {"[1,-0]", 1},
        {"[1.5,1]", 1},
        {"[1e2,1]", 100},
        {"[01,1]", 1},
        {"[1,1]x", 1},                      // trailing garbage
        {"[1,1,]", 1},
        {"[[1,1]]", 1},                     // nested
        {"[\"1\",1]", 1},
        {"[2,1]", 1},                       // covers more than the text
        {"[1,1]", 2},                       // covers less than the text
        {"[1,9007199254740992]", 1},        // author beyond 2^53 - 1
        {"[99999999999999999999,1]", 1},    // would overflow 64 bits
        {"[9007199254740991,1,9007199254740991,1]", 9007199254740991},  // sum beyond the text
    };
    for (const auto& [json, length] : bad) {
        auto r = attribution_from_json(json, length);
        INFO(json);
        CHECK_FALSE(r.ok());
        CHECK(r.error().rfind("invalid attribution at byte ", 0) == 0);
    }
}

TEST_CASE("parsing a huge serialized attribution stays linear", "[attribution][json]") {
    // 200,000 runs alternating two authors: parsed without recursion, in one pass.
    std::string json = "[";
    for (int i = 0; i < 200000; ++i) json += (i ? ",1," : "1,") + std::to_string(i % 2);
    json += "]";
    auto r = attribution_from_json(json, 200000);
    REQUIRE(r.ok());
    CHECK(r->runs().size() == 200000);
    // A deeply nested array is refused at its second byte, before any recursion could happen.
    CHECK_FALSE(attribution_from_json(std::string(100000, '[') + std::string(100000, ']'), 0).ok());
}
