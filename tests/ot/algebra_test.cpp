// apply, compose, transform, invert, transform_index: rules, known vectors, and failures as values.
#include "helpers.hpp"

using namespace kolabpad::ot;
namespace ot = kolabpad::ot;
using kolabpad::ot::testing::js;
using kolabpad::ot::testing::op;

TEST_CASE("apply edits text in code points", "[apply]") {
    auto r = ot::apply(op(R"([2,"n",-1,2])"), "hello");
    REQUIRE(r.ok());
    CHECK(*r == "henlo");
    auto u = ot::apply(op(R"([1,"✨",-1,1])"), "🎉👨‍👨‍👦‍👦");
    // "👨‍👨‍👦‍👦" is 7 code points: the first of them is deleted, 1 retained... lengths must match.
    CHECK_FALSE(u.ok());
    auto v = ot::apply(op(R"([1,"✨",-1,6])"), "🎉👨‍👨‍👦‍👦");
    REQUIRE(v.ok());
    CHECK(*v == "🎉✨\u200d👨\u200d👦\u200d👦");
}

TEST_CASE("apply fails on a length mismatch without crashing", "[apply]") {
    CHECK_FALSE(ot::apply(op("[3]"), "ab").ok());
    CHECK_FALSE(ot::apply(op("[3]"), "abcd").ok());
    CHECK_FALSE(ot::apply(op("[-3]"), "ab").ok());
    auto r = ot::apply(op("[1]"), "");
    CHECK_FALSE(r.ok());
    CHECK_FALSE(r.error().empty());
    CHECK(ot::apply(Operation(), "").value().empty());
}

TEST_CASE("compose equals applying one then the other", "[compose]") {
    auto a = op(R"([3,"def",3])");
    auto b = op(R"([1,-4,"X",4])");
    auto c = compose(a, b);
    REQUIRE(c.ok());
    CHECK(ot::apply(*c, "abcghi").value() == ot::apply(b, ot::apply(a, "abcghi").value()).value());
    CHECK(js(*c) == R"([1,"Xf",-2,3])");
}

TEST_CASE("compose refuses operations that do not line up", "[compose]") {
    auto r = compose(op("[3]"), op("[4]"));
    CHECK_FALSE(r.ok());
    CHECK(r.error().find("compose") != std::string::npos);
}

TEST_CASE("transform breaks ties with the left operand's insert first", "[transform]") {
    auto r = transform(op(R"(["a"])"), op(R"(["b"])"));
    REQUIRE(r.ok());
    CHECK(js(r->first) == R"(["a",1])");
    CHECK(js(r->second) == R"([1,"b"])");
    CHECK(ot::apply(r->second, "a").value() == "ab");
    CHECK(ot::apply(r->first, "b").value() == "ab");
}

TEST_CASE("transform of overlapping deletes deletes once", "[transform]") {
    auto r = transform(op("[1,-3,1]"), op("[2,-3]"));
    REQUIRE(r.ok());
    CHECK(ot::apply(r->second, ot::apply(op("[1,-3,1]"), "abcde").value()).value() == "a");
    CHECK(ot::apply(r->first, ot::apply(op("[2,-3]"), "abcde").value()).value() == "a");
}

TEST_CASE("transform refuses operations of different base lengths", "[transform]") {
    CHECK_FALSE(transform(op("[3]"), op("[4]")).ok());
}

TEST_CASE("a stale insert transformed over newer history lands in front", "[transform]") {
    // Rustpad's concurrent scenario: "hello", then [2,"n",-1,2], then a stale ["~rust~"] at revision 0.
    std::vector<Operation> history{op(R"(["hello"])"), op(R"([2,"n",-1,2])")};
    auto r = transform_over(op(R"(["~rust~"])"), history);
    REQUIRE(r.ok());
    CHECK(js(*r) == R"(["~rust~",5])");
    CHECK(ot::apply(*r, "henlo").value() == "~rust~henlo");
}

TEST_CASE("transform_over stops at the first mismatch", "[transform]") {
    std::vector<Operation> history{op(R"([1,"x"])"), op("[5]")};
    CHECK_FALSE(transform_over(op("[1]"), history).ok());
}

TEST_CASE("invert undoes an operation", "[invert]") {
    auto o = op(R"([1,"🎉",-2,1])");
    auto inv = invert(o, "abcd");
    REQUIRE(inv.ok());
    CHECK(js(*inv) == R"([1,"bc",-1,1])");
    CHECK(ot::apply(*inv, ot::apply(o, "abcd").value()).value() == "abcd");
    CHECK_FALSE(invert(o, "abc").ok());
    CHECK_FALSE(invert(o, "abcde").ok());
}

TEST_CASE("transform_index follows inserts and deletes (Rustpad's vectors)", "[transform_index]") {
    auto o = op(R"([3,"def",3,"abc"])");
    CHECK(transform_index(o, 2) == 2);
    CHECK(transform_index(o, 3) == 6);
    CHECK(transform_index(o, 5) == 8);
    CHECK(transform_index(o, 7) == 13);
    auto d = op("[2,-3,5]");
    CHECK(transform_index(d, 1) == 1);
    CHECK(transform_index(d, 3) == 2);
    CHECK(transform_index(d, 5) == 2);
    CHECK(transform_index(d, 6) == 3);
}

TEST_CASE("transform_index shifts positions past the end instead of clamping", "[transform_index]") {
    CHECK(transform_index(op(R"([3,"x"])"), 10) == 11);
    CHECK(transform_index(op("[1,-2]"), 10) == 8);
    CHECK(transform_index(Operation(), 4) == 4);
}
