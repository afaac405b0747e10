#include "helpers.hpp"
#include "net/target.hpp"

using namespace kolabpad::server::net;

TEST_CASE("document ids are 1 to 64 characters of [A-Za-z0-9_-]") {
    CHECK(valid_document_id("abc123"));
    CHECK(valid_document_id("A-b_C"));
    CHECK(valid_document_id(std::string(64, 'x')));
    CHECK_FALSE(valid_document_id(""));
    CHECK_FALSE(valid_document_id(std::string(65, 'x')));
    CHECK_FALSE(valid_document_id("a/b"));
    CHECK_FALSE(valid_document_id("a.b"));
    CHECK_FALSE(valid_document_id("..")); 
    CHECK_FALSE(valid_document_id("é"));
}

TEST_CASE("targets split into decoded path and query") {
    auto t = parse_target("/api/socket/abc?otp=a%2Bb&revision=12&x");
    REQUIRE(t);
    CHECK(t->path == "/api/socket/abc");
    CHECK(t->query.at("otp") == "a+b");
    CHECK(t->query.at("revision") == "12");
    CHECK(t->query.at("x").empty());
    CHECK_FALSE(parse_target("/bad%zz"));
    CHECK_FALSE(parse_target("/bad%2"));
    CHECK(parse_target("/%2e%2e/etc")->path == "/../etc");
}

TEST_CASE("revision parameters are plain non-negative integers") {
    CHECK(parse_revision("0") == 0u);
    CHECK(parse_revision("42") == 42u);
    CHECK_FALSE(parse_revision(""));
    CHECK_FALSE(parse_revision("-1"));
    CHECK_FALSE(parse_revision("1.0"));
    CHECK_FALSE(parse_revision("12345678901234567890"));
}
