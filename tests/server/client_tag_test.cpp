#include "helpers.hpp"
#include "protocol/client_tag.hpp"

using kolabpad::server::protocol::client_tag;

// Expected values computed independently with Node:
//   crypto.createHash("sha256").update(s, "utf8").digest("base64url").slice(0, 22)
TEST_CASE("client_tag matches SHA-256 base64url cut to 22 characters") {
    CHECK(client_tag("") == "47DEQpj8HBSa-_TImW-5JC");
    CHECK(client_tag("abc") == "ungWv48Bz-pBQUDeXa4iI7");
    CHECK(client_tag("tab-1f3a") == "FN6rbX3ub70vGX1dfLfBVq");
    CHECK(client_tag("hé🎉") == "5Zxu6233mkHIXvFBjWaCbO");
}

TEST_CASE("client_tag is 22 URL-safe characters and differs from its input") {
    const std::string t = client_tag("c1");
    CHECK(t.size() == 22);
    CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    CHECK(client_tag(t) != t);  // a tag sent as a client id is a different key
}
