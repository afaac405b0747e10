// Algebraic properties over thousands of seeded random operations on random texts.
#include "helpers.hpp"
#include "random_ops.hpp"

using namespace kolabpad::ot;
namespace ot = kolabpad::ot;
using kolabpad::ot::testing::RandomOps;

namespace {
constexpr int kCases = 3000;
}

TEST_CASE("apply produces target_len code points and valid UTF-8", "[property]") {
    RandomOps r(1);
    for (int i = 0; i < kCases; ++i) {
        const std::string s = r.text(r.between(0, 40));
        const Operation o = r.operation(utf8::count(s));
        auto out = ot::apply(o, s);
        REQUIRE(out.ok());
        CHECK(utf8::count(*out) == o.target_len());
        CHECK(utf8::is_valid(*out));
    }
}

TEST_CASE("compose agrees with applying in sequence", "[property]") {
    RandomOps r(2);
    for (int i = 0; i < kCases; ++i) {
        const std::string s = r.text(r.between(0, 40));
        const Operation a = r.operation(utf8::count(s));
        const Operation b = r.operation(a.target_len());
        auto ab = compose(a, b);
        REQUIRE(ab.ok());
        CHECK(ab->base_len() == a.base_len());
        CHECK(ab->target_len() == b.target_len());
        CHECK(ot::apply(*ab, s).value() == ot::apply(b, ot::apply(a, s).value()).value());
    }
}

TEST_CASE("transform converges (TP1)", "[property]") {
    RandomOps r(3);
    for (int i = 0; i < kCases; ++i) {
        const std::string s = r.text(r.between(0, 40));
        const Operation a = r.operation(utf8::count(s));
        const Operation b = r.operation(utf8::count(s));
        auto t = transform(a, b);
        REQUIRE(t.ok());
        const auto& [a2, b2] = *t;
        CHECK(ot::apply(b2, ot::apply(a, s).value()).value() == ot::apply(a2, ot::apply(b, s).value()).value());
        // compose(a, b') == compose(b, a') as operations, not only on this text
        CHECK(compose(a, b2).value() == compose(b, a2).value());
    }
}

TEST_CASE("invert round-trips", "[property]") {
    RandomOps r(4);
    for (int i = 0; i < kCases; ++i) {
        const std::string s = r.text(r.between(0, 40));
        const Operation o = r.operation(utf8::count(s));
        const std::string after = ot::apply(o, s).value();
        auto inv = invert(o, s);
        REQUIRE(inv.ok());
        CHECK(ot::apply(*inv, after).value() == s);
        CHECK(ot::apply(compose(o, *inv).value(), s).value() == s);
    }
}

TEST_CASE("transform_index keeps the character under a surviving position", "[property]") {
    RandomOps r(5);
    for (int i = 0; i < kCases; ++i) {
        const std::string s = r.text(r.between(1, 40));
        const Operation o = r.operation(utf8::count(s));
        const std::string after = ot::apply(o, s).value();
        // Mark each surviving original character by walking the components.
        std::uint64_t pos = 0;
        for (const Component& c : o.components()) {
            if (c.kind == Kind::retain) {
                for (std::uint64_t k = 0; k < c.n; ++k) {
                    const std::uint64_t p = pos + k;
                    const std::uint64_t q = transform_index(o, p);
                    // The character at p before sits at q after, unless an insert at p pushed it further.
                    const auto at = [](const std::string& t, std::uint64_t idx) {
                        const auto b = utf8::byte_offset(t, idx);
                        return t.substr(b, utf8::byte_offset(t, idx + 1) - b);
                    };
                    REQUIRE(q <= o.target_len());
                    CHECK(at(after, q) == at(s, p));
                }
            }
            if (c.kind != Kind::insert) pos += c.n;
        }
        CHECK(transform_index(o, 0) <= o.target_len());
        CHECK(transform_index(o, o.base_len()) == o.target_len());
    }
}

TEST_CASE("printing and parsing round-trip", "[property]") {
    RandomOps r(6);
    for (int i = 0; i < kCases; ++i) {
        const Operation o = r.operation(r.between(0, 40));
        auto back = from_json(to_json(o));
        REQUIRE(back.ok());
        CHECK(*back == o);
        CHECK(back->base_len() == o.base_len());
        CHECK(back->target_len() == o.target_len());
    }
}

TEST_CASE("a client and the server converge when the server rebases a stale edit", "[property]") {
    RandomOps r(7);
    for (int i = 0; i < 1000; ++i) {
        const std::string s = r.text(r.between(0, 30));
        const Operation edit = r.operation(utf8::count(s));
        std::vector<Operation> history;
        std::string server = s;
        for (std::uint64_t k = r.between(0, 8); k > 0; --k) {
            history.push_back(r.operation(utf8::count(server)));
            server = ot::apply(history.back(), server).value();
        }
        auto rebased = transform_over(edit, history);
        REQUIRE(rebased.ok());
        server = ot::apply(*rebased, server).value();
        // The edit's author applied its edit at once, then receives the history one entry at a time.
        std::string client = ot::apply(edit, s).value();
        Operation pending = edit;
        for (const Operation& h : history) {
            auto t = transform(pending, h);
            REQUIRE(t.ok());
            client = ot::apply(t->second, client).value();
            pending = t->first;
        }
        CHECK(pending == *rebased);
        CHECK(client == server);
    }
}
