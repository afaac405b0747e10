// The canonical form and the builders of Operation.
#include "helpers.hpp"

using namespace kolabpad::ot;
using kolabpad::ot::testing::js;

TEST_CASE("zero-length components are dropped", "[canonical]") {
    Operation o;
    o.retain(0).insert("").remove(0);
    CHECK(o.components().empty());
    CHECK(js(o) == "[]");
    CHECK(o.is_noop());
}

TEST_CASE("neighbours of the same kind merge", "[canonical]") {
    Operation o;
    o.retain(2).retain(3).insert("ab").insert("c").remove(1).remove(4);
    CHECK(js(o) == R"([5,"abc",-5])");
    CHECK(o.components().size() == 3);
}

TEST_CASE("an insert after a delete moves in front of it", "[canonical]") {
    Operation o;
    o.retain(1).remove(2).insert("x");
    CHECK(js(o) == R"([1,"x",-2])");
    Operation p;
    p.retain(1).insert("a").remove(2).insert("b");
    CHECK(js(p) == R"([1,"ab",-2])");
}

TEST_CASE("builders produce equal operations when their canonical forms agree", "[canonical]") {
    Operation a, b;
    a.retain(1).remove(1).insert("abc");
    b.retain(1).insert("ab").insert("c").remove(1);
    CHECK(a == b);
    b.retain(1);
    CHECK(a != b);
}

TEST_CASE("base and target lengths count code points", "[lengths]") {
    Operation o;
    o.retain(3).insert("h🎉e🎉l👨‍👨‍👦‍👦lo").remove(2);
    CHECK(o.base_len() == 5);
    CHECK(o.target_len() == 3 + 14);
}

TEST_CASE("is_noop holds only for operations made of retains", "[noop]") {
    CHECK(Operation().is_noop());
    CHECK(Operation().retain(7).is_noop());
    CHECK_FALSE(Operation().retain(7).insert("a").is_noop());
    CHECK_FALSE(Operation().remove(1).is_noop());
}

TEST_CASE("push keeps the canonical form", "[canonical]") {
    Operation o;
    o.push({Kind::remove, 2, {}}).push({Kind::insert, 1, "é"}).push({Kind::retain, 0, {}});
    CHECK(js(o) == R"(["é",-2])");
}
