// Tokens from an independent implementation: Node's crypto makes keys and tokens at test time
// (tests/server/fixtures/jwt_fixtures.mjs) and the C++ verifier must agree with the expected
// verdict of each; tokens minted here must verify in Node.
#include <cstdio>
#include <fstream>

#include "auth/token_minter.hpp"
#include "auth/token_verifier.hpp"
#include "helpers.hpp"
#include "test_keys.hpp"

using namespace kolabpad::server::auth;
using namespace kolabpad::server::testing;
using nlohmann::json;

namespace {

const std::int64_t t0 = 1'700'000'000;
const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(t0));

// The standard output of `node jwt_fixtures.mjs <args>`; fails the test when node fails.
std::string run_node(const std::string& args) {
    const std::string command =
        std::string("'") + KOLABPAD_NODE_EXECUTABLE + "' '" + KOLABPAD_JWT_FIXTURES_SCRIPT + "' " + args;
    std::FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
    const int status = pclose(pipe);
    INFO(command);
    REQUIRE(status == 0);
    return out;
}

const json& fixtures() {
    static const json f = json::parse(run_node("make " + std::to_string(t0)));
    return f;
}

TokenSettings settings_with(const std::string& key_kind, const json& keys) {
    TokenSettings s;
    if (key_kind == "hs") s.verify_key = *VerifyKey::from_secret(keys["hs_secret"].get<std::string>());
    if (key_kind == "rs") s.verify_key = *VerifyKey::from_public_pem(keys["rsa_public_pem"].get<std::string>());
    if (key_kind == "es") s.verify_key = *VerifyKey::from_public_pem(keys["ec_public_pem"].get<std::string>());
    return s;
}

}  // namespace

TEST_CASE("tokens made by Node's crypto get the expected verdict from the C++ verifier") {
    const json& f = fixtures();
    REQUIRE(f["cases"].size() >= 30);
    for (const json& c : f["cases"]) {
        const std::string name = c["name"];
        INFO(name);
        TokenSettings s = settings_with(c["key"], f["keys"]);
        s.issuer = c.value("issuer", "");
        s.audience = c.value("audience", "");
        auto v = *TokenVerifier::create(s);
        auto grant = v.authorize(c["token"].get<std::string>(), c["document"].get<std::string>(), now);
        const std::string verdict = grant ? "ok" : std::string(reason_name(grant.refusal().reason));
        CHECK(verdict == c["expect"].get<std::string>());
        if (grant) {
            CHECK(role_name(grant->role) == c.value("role", "edit"));
            CHECK(grant->claims.name == c.value("shown_name", "Ada"));
            CHECK(grant->claims.subject == "user-1");
        }
    }
}

TEST_CASE("tokens minted here verify with Node's crypto and carry the requested claims") {
    const json& keys = fixtures()["keys"];
    struct Minted {
        std::string alg;
        std::string token;
    };
    std::vector<Minted> minted;
    const std::vector<std::pair<std::string, SigningKey>> signers = {
        {"HS256", *SigningKey::from_secret(keys["hs_secret"].get<std::string>())},
        {"RS256", *SigningKey::from_private_pem(keys["rsa_private_pem"].get<std::string>())},
        {"ES256", *SigningKey::from_private_pem(keys["ec_private_pem"].get<std::string>())},
    };
    for (const auto& [alg, key] : signers) {
        TokenSettings s;
        s.signing_key = key;
        s.audience = "kolabpad";
        auto minter = *TokenMinter::create(s);
        auto tok = minter.mint({{"team-42-*", "doc-1"}, Role::view, "Zo\u00eb", "user-5", 300}, now);
        REQUIRE(tok.ok());
        minted.push_back({alg, *tok});
    }
    // A tampered copy of each must fail in Node, so that Node's "ok" means something.
    const std::size_t signed_count = minted.size();
    for (std::size_t i = 0; i < signed_count; ++i) {
        // The same signature over claims that say "edit" instead of "view".
        const std::string& t = minted[i].token;
        const auto dot1 = t.find('.'), dot2 = t.rfind('.');
        std::string claims = *base64url_decode(t.substr(dot1 + 1, dot2 - dot1 - 1));
        claims.replace(claims.find("\"view\""), 6, "\"edit\"");
        minted.push_back({minted[i].alg, t.substr(0, dot1 + 1) + base64url_encode(claims) + t.substr(dot2)});
    }

    TempDir dir;
    const std::string file = dir.file("minted.json");
    json input = {{"keys", keys}, {"tokens", json::array()}};
    for (const auto& m : minted) input["tokens"].push_back({{"alg", m.alg}, {"token", m.token}});
    std::ofstream(file) << input.dump();
    const json results = json::parse(run_node("verify '" + file + "'"));
    REQUIRE(results.size() == minted.size());
    for (std::size_t i = 0; i < minted.size(); ++i) {
        INFO(minted[i].alg << (i >= signed_count ? " tampered" : ""));
        const json& r = results[i];
        CHECK(r["ok"] == (i < signed_count));
        CHECK(r["claims"]["role"] == (i < signed_count ? "view" : "edit"));
        if (i >= signed_count) continue;
        CHECK(r["header"]["alg"] == minted[i].alg);
        CHECK(r["header"]["typ"] == "JWT");
        CHECK(r["claims"]["docs"] == json::array({"team-42-*", "doc-1"}));
        CHECK(r["claims"]["role"] == "view");
        CHECK(r["claims"]["name"] == "Zo\u00eb");
        CHECK(r["claims"]["sub"] == "user-5");
        CHECK(r["claims"]["aud"] == "kolabpad");
        CHECK(r["claims"]["iat"] == t0);
        CHECK(r["claims"]["exp"] == t0 + 300);
    }
}
