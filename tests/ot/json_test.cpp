// The JSON form: strict, total parsing and exact printing.
#include "helpers.hpp"

using namespace kolabpad::ot;
using kolabpad::ot::testing::js;
using kolabpad::ot::testing::op;

TEST_CASE("the JSON form round-trips", "[json]") {
    for (const char* s : {"[]", "[5]", "[-5]", R"(["a"])", R"([2,"n",-1,2])", R"(["🎉👨‍👨‍👦‍👦",-7,3])"}) {
        CHECK(js(op(s)) == s);
    }
}

TEST_CASE("parsing normalizes to the canonical form", "[json]") {
    CHECK(js(op(R"([1,-1,"abc"])")) == R"([1,"abc",-1])");
    CHECK(js(op(R"([0,1,0,2,"",-0])")) == "[3]");
    CHECK(js(op(R"([ 1 , "a" ,"b" ] )")) == R"([1,"ab"])");
}

TEST_CASE("escapes are decoded and printed like serde_json", "[json]") {
    auto o = op(R"(["a\"b\\c\/d\n\t\r\b\f\u0001\u00e9\ud83c\udf89"])");
    REQUIRE(o.components().size() == 1);
    CHECK(o.components()[0].text == "a\"b\\c/d\n\t\r\b\f\x01" "é🎉");
    CHECK(o.target_len() == 15);
    CHECK(js(o) == R"(["a\"b\\c/d\n\t\r\b\f\u0001é🎉"])");
}

TEST_CASE("invalid JSON forms are errors with a message", "[json]") {
    const char* bad[] = {
        "",          "[",           "]",           "[1,]",        "[,1]",         "[1 2]",
        "[1.0]",     "[1e3]",       "[-1.5]",      "[{}]",        "[[1]]",        "[true]",
        "[null]",    "{}",          "1",           "\"a\"",       "[01]",         "[--1]",
        "[+1]",      "[2147483648]", "[-2147483648]", "[99999999999999999999]", "[\"a]", "[\"\\x\"]",
        "[\"\\u12\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"tab\there\"]", "[1] x",
        "[2147483647,2147483647]",
    };
    for (const char* s : bad) {
        auto r = from_json(s);
        INFO(s);
        CHECK_FALSE(r.ok());
        CHECK(r.error().find("invalid operation JSON") == 0);
    }
}

TEST_CASE("the largest 32-bit components are accepted", "[json]") {
    CHECK(js(op("[2147483647]")) == "[2147483647]");
    CHECK(js(op("[-2147483647]")) == "[-2147483647]");
}

TEST_CASE("invalid UTF-8 inside a string is an error", "[json]") {
    for (std::string s : {std::string("[\"\xff\"]"), std::string("[\"\xc3\"]"), std::string("[\"\xed\xa0\x80\"]"),
                          std::string("[\"\xc0\xaf\"]"), std::string("[\"\xf4\x90\x80\x80\"]")}) {
        auto r = from_json(s);
        CHECK_FALSE(r.ok());
        CHECK(r.error().find("UTF-8") != std::string::npos);
    }
}

TEST_CASE("a NUL inside the input is not valid JSON", "[json]") {
    CHECK_FALSE(from_json(std::string("[1]\0", 4)).ok());
    CHECK_FALSE(from_json(std::string("[\"a\0\"]", 6)).ok());
}
