// The token layer (server/auth/): what verify() accepts and refuses, and why; what grants()
// grants; minting. Keys are generated at test time (test_keys.hpp).
#include <thread>

#include "auth/token_minter.hpp"
#include "auth/token_verifier.hpp"
#include "helpers.hpp"
#include "test_keys.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::auth;
using namespace kolabpad::server::testing;
using nlohmann::json;

namespace {

const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
const std::int64_t t0 = 1'700'000'000;

SigningKey hs_key() { return *SigningKey::from_secret(test_secret); }
SigningKey rs_key() { return *SigningKey::from_private_pem(rsa_pair().private_pem); }
SigningKey es_key() { return *SigningKey::from_private_pem(ec_pair().private_pem); }

TokenSettings settings_for(const SigningKey& key) {
    TokenSettings s;
    s.verify_key = key.verify_key();
    s.signing_key = key;
    return s;
}

TokenVerifier verifier_for(const SigningKey& key, TokenSettings s = {}) {
    s.verify_key = key.verify_key();
    return *TokenVerifier::create(s);
}

std::string header_for(const SigningKey& key) {
    return json{{"alg", std::string(algorithm_name(key.algorithm()))}, {"typ", "JWT"}}.dump();
}

// Claims valid at `now` for document "doc-1", with `changes` merged in (null values remove a claim).
std::string claims(json changes = json::object()) {
    json c = {{"doc", "doc-1"}, {"role", "edit"}, {"name", "Ada"}, {"sub", "user-7"}, {"exp", t0 + 600}};
    c.merge_patch(changes);
    return c.dump();
}

std::string token(const SigningKey& key, json changes = json::object()) {
    return sign_token(header_for(key), claims(std::move(changes)), key);
}

// The refusal reason name, or "ok".
std::string verdict(const TokenVerifier& v, const std::string& tok) {
    auto r = v.verify(tok, now);
    return r ? "ok" : std::string(reason_name(r.refusal().reason));
}

std::string verdict_on(const TokenVerifier& v, const std::string& tok, const std::string& document) {
    auto r = v.authorize(tok, document, now);
    return r ? std::string("ok:") + std::string(role_name(r->role)) : std::string(reason_name(r.refusal().reason));
}

}  // namespace

TEST_CASE("a valid HS256, RS256 or ES256 token verifies and carries its claims") {
    for (const auto& key : {hs_key(), rs_key(), es_key()}) {
        INFO(algorithm_name(key.algorithm()));
        auto v = verifier_for(key);
        auto c = v.verify(token(key), now);
        INFO((c ? "" : c.refusal().detail));
        REQUIRE(c.ok());
        CHECK(c->role == Role::edit);
        CHECK(c->name == "Ada");
        CHECK(c->subject == "user-7");
        CHECK(c->expires_at == t0 + 600);
        CHECK(unix_seconds(c->expiry()) == t0 + 600);
        CHECK(c->grants("doc-1") == Role::edit);
        CHECK(verdict_on(v, token(key, {{"role", "view"}}), "doc-1") == "ok:view");
    }
}

TEST_CASE("an empty token is refused as missing") {
    CHECK(verdict(verifier_for(hs_key()), "") == "missing");
}

TEST_CASE("a token past exp is expired once the clock skew has passed too") {
    auto key = hs_key();
    TokenSettings s;
    s.clock_skew_seconds = 30;
    auto v = verifier_for(key, s);
    CHECK(verdict(v, token(key, {{"exp", t0 - 29}})) == "ok");
    CHECK(verdict(v, token(key, {{"exp", t0 - 30}})) == "expired");
    CHECK(verdict(v, token(key, {{"exp", t0 - 3600}})) == "expired");
    s.clock_skew_seconds = 0;
    auto strict = verifier_for(key, s);
    CHECK(verdict(strict, token(key, {{"exp", t0 + 1}})) == "ok");
    CHECK(verdict(strict, token(key, {{"exp", t0}})) == "expired");
    // A fractional exp counts down to the whole second before it.
    CHECK(verdict(strict, token(key, {{"exp", t0 + 0.5}})) == "expired");
}

TEST_CASE("a token before nbf is not yet valid unless the clock skew covers the difference") {
    auto key = rs_key();
    TokenSettings s;
    s.clock_skew_seconds = 30;
    auto v = verifier_for(key, s);
    CHECK(verdict(v, token(key, {{"nbf", t0 + 30}})) == "ok");
    CHECK(verdict(v, token(key, {{"nbf", t0 + 31}})) == "not_yet_valid");
    s.clock_skew_seconds = 0;
    auto strict = verifier_for(key, s);
    CHECK(verdict(strict, token(key, {{"nbf", t0}})) == "ok");
    CHECK(verdict(strict, token(key, {{"nbf", t0 + 1}})) == "not_yet_valid");
    CHECK(verdict(strict, token(key, {{"nbf", t0 + 0.5}})) == "not_yet_valid");
}

TEST_CASE("a token signed with another key, or changed after signing, is a bad signature") {
    auto other_hs = *SigningKey::from_secret(std::string(test_secret) + "!");
    CHECK(verdict(verifier_for(hs_key()), token(other_hs)) == "bad_signature");
    auto other_rs = *SigningKey::from_private_pem(make_rsa().private_pem);
    CHECK(verdict(verifier_for(rs_key()), token(other_rs)) == "bad_signature");
    auto other_es = *SigningKey::from_private_pem(make_ec().private_pem);
    CHECK(verdict(verifier_for(es_key()), token(other_es)) == "bad_signature");

    for (const auto& key : {hs_key(), rs_key(), es_key()}) {
        INFO(algorithm_name(key.algorithm()));
        const std::string good = token(key);
        const auto dot = good.find('.');
        // The same signature over claims that grant "view" instead.
        const std::string swapped = good.substr(0, dot + 1) + base64url_encode(claims({{"role", "view"}})) +
                                    good.substr(good.rfind('.'));
        CHECK(verdict(verifier_for(key), swapped) == "bad_signature");
        CHECK(verdict(verifier_for(key), good.substr(0, good.rfind('.') + 1)) == "bad_signature");
    }
}

TEST_CASE("JWT_ISSUER, when set, must equal iss") {
    auto key = hs_key();
    TokenSettings s;
    s.issuer = "https://lms.example";
    auto v = verifier_for(key, s);
    CHECK(verdict(v, token(key, {{"iss", "https://lms.example"}})) == "ok");
    CHECK(verdict(v, token(key, {{"iss", "https://evil.example"}})) == "wrong_issuer");
    CHECK(verdict(v, token(key)) == "wrong_issuer");
    CHECK(verdict(verifier_for(key), token(key, {{"iss", "anyone"}})) == "ok");
}

TEST_CASE("JWT_AUDIENCE must be aud or one of its entries, and aud without JWT_AUDIENCE is refused") {
    auto key = es_key();
    TokenSettings s;
    s.audience = "kolabpad";
    auto v = verifier_for(key, s);
    CHECK(verdict(v, token(key, {{"aud", "kolabpad"}})) == "ok");
    CHECK(verdict(v, token(key, {{"aud", json::array({"wiki", "kolabpad"})}})) == "ok");
    CHECK(verdict(v, token(key, {{"aud", "wiki"}})) == "wrong_audience");
    CHECK(verdict(v, token(key, {{"aud", json::array({"wiki", "chat"})}})) == "wrong_audience");
    CHECK(verdict(v, token(key, {{"aud", json::array()}})) == "wrong_audience");
    CHECK(verdict(v, token(key)) == "wrong_audience");
    CHECK(verdict(v, token(key, {{"aud", 7}})) == "bad_claims");
    // RFC 7519 4.1.3: a server that is not among the token's audiences refuses it.
    auto unnamed = verifier_for(key);
    CHECK(verdict(unnamed, token(key, {{"aud", "wiki"}})) == "wrong_audience");
    CHECK(verdict(unnamed, token(key)) == "ok");
}

TEST_CASE("a token grants only the documents it names") {
    auto key = hs_key();
    auto v = verifier_for(key);
    CHECK(verdict_on(v, token(key), "doc-1") == "ok:edit");
    CHECK(verdict_on(v, token(key), "doc-2") == "wrong_document");
    CHECK(verdict_on(v, token(key), "doc-10") == "wrong_document");
    CHECK(verdict_on(v, token(key), "doc") == "wrong_document");
    const auto list = token(key, {{"doc", nullptr}, {"docs", json::array({"a", "b", "c-*"})}, {"role", "view"}});
    CHECK(verdict_on(v, list, "b") == "ok:view");
    CHECK(verdict_on(v, list, "c-9") == "ok:view");
    CHECK(verdict_on(v, list, "d") == "wrong_document");
    const auto both = token(key, {{"docs", json::array({"x"})}});
    CHECK(verdict_on(v, both, "doc-1") == "ok:edit");
    CHECK(verdict_on(v, both, "x") == "ok:edit");
}

TEST_CASE("a prefix pattern grants exactly the ids that start with its stem") {
    auto rule = *parse_document_rule("team-42-*");
    CHECK(rule.prefix);
    CHECK(rule.matches("team-42-x"));
    CHECK(rule.matches("team-42-notes_2024"));
    CHECK(rule.matches("team-42-"));
    CHECK_FALSE(rule.matches("team-43-x"));
    CHECK_FALSE(rule.matches("team-42"));
    CHECK_FALSE(rule.matches("team-4"));
    CHECK_FALSE(rule.matches("xteam-42-x"));
    auto exact = *parse_document_rule("team-42");
    CHECK_FALSE(exact.prefix);
    CHECK(exact.matches("team-42"));
    CHECK_FALSE(exact.matches("team-42-x"));
    CHECK(parse_document_rule("*")->matches("anything"));
    for (const std::string& bad :
         std::vector<std::string>{"", "a*b", "*a", "a**", "team/42-*", "a b", "\u00e9", std::string(64, 'a') + "*"}) {
        INFO(bad);
        CHECK_FALSE(parse_document_rule(bad));
    }
    CHECK(parse_document_rule(std::string(63, 'a') + "*"));
    CHECK(parse_document_rule(std::string(64, 'a')));
    CHECK_FALSE(parse_document_rule(std::string(65, 'a')));

    auto key = es_key();
    auto v = verifier_for(key);
    const auto team = token(key, {{"doc", "team-42-*"}});
    CHECK(verdict_on(v, team, "team-42-x") == "ok:edit");
    CHECK(verdict_on(v, team, "team-43-x") == "wrong_document");
    CHECK(verdict_on(v, team, "team-42") == "wrong_document");
    CHECK(verdict(v, token(key, {{"doc", "team-*-x"}})) == "bad_claims");
}

TEST_CASE("alg none is refused in every spelling, with or without a signature") {
    auto key = hs_key();
    auto v = verifier_for(key);
    for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
        INFO(alg);
        const std::string unsigned_part =
            base64url_encode(json{{"alg", alg}, {"typ", "JWT"}}.dump()) + "." + base64url_encode(claims());
        CHECK(verdict(v, unsigned_part + ".") == "alg_refused");
        CHECK(verdict(v, unsigned_part + "." + base64url_encode(*key.sign(unsigned_part))) == "alg_refused");
    }
    CHECK(verdict(v, base64url_encode(R"({"typ":"JWT"})") + "." + base64url_encode(claims()) + ".") == "malformed");
    CHECK(verdict(v, base64url_encode(R"({"alg":null})") + "." + base64url_encode(claims()) + ".") == "malformed");
}

TEST_CASE("algorithm confusion is refused: the key, not the token, fixes the algorithm") {
    for (const auto& [key, pem] : {std::pair{rs_key(), rsa_pair().public_pem}, std::pair{es_key(), ec_pair().public_pem}}) {
        INFO(algorithm_name(key.algorithm()));
        // An attacker who knows the public key signs an HS256 token using the PEM text as the HMAC secret.
        auto pem_as_secret = *SigningKey::from_secret(pem);
        const auto forged = sign_token(R"({"alg":"HS256","typ":"JWT"})", claims(), pem_as_secret);
        // The forgery is a correct HMAC under that "secret": a library that let alg pick the key use would accept it.
        CHECK(verdict(verifier_for(pem_as_secret), forged) == "ok");
        CHECK(verdict(verifier_for(key), forged) == "alg_refused");
    }
    // The other way round, and across the two public-key algorithms.
    CHECK(verdict(verifier_for(hs_key()), token(rs_key())) == "alg_refused");
    CHECK(verdict(verifier_for(hs_key()), token(es_key())) == "alg_refused");
    CHECK(verdict(verifier_for(rs_key()), token(es_key())) == "alg_refused");
    CHECK(verdict(verifier_for(es_key()), token(rs_key())) == "alg_refused");
    CHECK(verdict(verifier_for(rs_key()), sign_token(R"({"alg":"RS512"})", claims(), rs_key())) == "alg_refused");
    CHECK(verdict(verifier_for(hs_key()), sign_token(R"({"alg":"hs256"})", claims(), hs_key())) == "alg_refused");
}

TEST_CASE("a token longer than JWT_MAX_TOKEN_BYTES is refused before it is parsed") {
    auto key = hs_key();
    const std::string at_limit = token(key, {{"pad", std::string(300, 'x')}});
    const std::string over = token(key, {{"pad", std::string(301, 'x')}});
    REQUIRE(over.size() > at_limit.size());
    TokenSettings s;
    s.max_token_bytes = at_limit.size();
    auto v = verifier_for(key, s);
    CHECK(verdict(v, at_limit) == "ok");
    CHECK(verdict(v, over) == "too_large");
    // Garbage over the limit is too_large, not malformed: nothing was looked at.
    CHECK(verdict(v, std::string(s.max_token_bytes + 1, '%')) == "too_large");
    CHECK(verdict(v, std::string(s.max_token_bytes, '%')) == "malformed");
}

TEST_CASE("a token that is not three base64url parts of JSON objects is malformed") {
    auto key = hs_key();
    auto v = verifier_for(key);
    const std::string good = token(key);
    const std::string h = good.substr(0, good.find('.'));
    const std::string sig = good.substr(good.rfind('.') + 1);
    const std::string c = base64url_encode(claims());
    for (const std::string& bad : std::vector<std::string>{
             "abc", "a.b", good + ".x", good + ".", "..", "." + c + "." + sig,
             h + "=." + c + "." + sig,                                        // padding
             h + "." + c + "." + sig + "=",                                   // padding on the signature
             h + ".+" + c.substr(1) + "." + sig,                              // standard base64 character
             h + " ." + c + "." + sig,                                        // whitespace
             base64url_encode("not json") + "." + c + "." + sig,              // header not JSON
             base64url_encode("[\"HS256\"]") + "." + c + "." + sig,           // header not an object
             base64url_encode(R"({"alg":"HS256"} x)") + "." + c + "." + sig,  // trailing bytes
         }) {
        INFO(bad);
        CHECK(verdict(v, bad) == "malformed");
    }
    // Claims that are not JSON (or not an object) under a valid signature.
    for (const std::string& body : {std::string("{\"doc\":"), std::string("[1,2]"), std::string("\"text\""),
                                    std::string("{\"name\":\"\\ud800\"}"), std::string("{\"name\":\"\xff\"}")}) {
        INFO(body);
        CHECK(verdict(v, sign_token(header_for(key), body, key)) == "malformed");
    }
}

TEST_CASE("deeply nested JSON in the claims or header is malformed, the allowed depth verifies") {
    auto key = hs_key();
    auto v = verifier_for(key);
    auto nested = [](int depth) {
        json x = 0;
        for (int i = 0; i < depth; ++i) x = json::array({x});
        return x;
    };
    // The claims object is depth 1, so an extra claim may nest max_token_json_depth - 1 containers.
    CHECK(verdict(v, token(key, {{"extra", nested(max_token_json_depth - 1)}})) == "ok");
    CHECK(verdict(v, token(key, {{"extra", nested(max_token_json_depth)}})) == "malformed");
    // Deep nesting written out by hand (10,000 levels), under a size limit that lets it through.
    TokenSettings roomy;
    roomy.max_token_bytes = 65536;
    auto lenient = verifier_for(key, roomy);
    const std::string deep = std::string(10000, '[') + std::string(10000, ']');
    const std::string deep_claims = claims().substr(0, claims().size() - 1) + ",\"x\":" + deep + "}";
    CHECK(verdict(lenient, sign_token(header_for(key), deep_claims, key)) == "malformed");
    const std::string deep_header = R"({"alg":"HS256","x":)" + deep + "}";
    CHECK(verdict(lenient, sign_token(deep_header, claims(), key)) == "malformed");
    const std::string shallow_header = R"({"alg":"HS256","x":[[1]]})";
    CHECK(verdict(lenient, sign_token(shallow_header, claims(), key)) == "ok");
}

TEST_CASE("a repeated key in the header or claims is malformed") {
    auto key = hs_key();
    auto v = verifier_for(key);
    const std::string dup_role = R"({"doc":"doc-1","role":"view","exp":1700000600,"role":"edit"})";
    CHECK(verdict(v, sign_token(header_for(key), dup_role, key)) == "malformed");
    const std::string dup_alg = R"({"alg":"none","alg":"HS256"})";
    CHECK(verdict(v, sign_token(dup_alg, claims(), key)) == "malformed");
    const std::string nested_dup = R"({"doc":"doc-1","role":"edit","exp":1700000600,"x":{"a":1,"a":2}})";
    CHECK(verdict(v, sign_token(header_for(key), nested_dup, key)) == "malformed");
}

TEST_CASE("a header with crit, enc, zip or a typ other than JWT is refused") {
    auto key = hs_key();
    auto v = verifier_for(key);
    CHECK(verdict(v, sign_token(R"({"alg":"HS256","crit":["exp"]})", claims(), key)) == "malformed");
    CHECK(verdict(v, sign_token(R"({"alg":"HS256","enc":"A256GCM"})", claims(), key)) == "malformed");
    CHECK(verdict(v, sign_token(R"({"alg":"HS256","zip":"DEF"})", claims(), key)) == "malformed");
    CHECK(verdict(v, sign_token(R"({"alg":"HS256","typ":"at+jwt"})", claims(), key)) == "malformed");
    CHECK(verdict(v, sign_token(R"({"alg":"HS256","typ":"jwt"})", claims(), key)) == "ok");
    CHECK(verdict(v, sign_token(R"({"alg":"HS256"})", claims(), key)) == "ok");
    // Key-location headers are ignored: the configured key is the only key.
    CHECK(verdict(v, sign_token(R"({"alg":"HS256","kid":"k1","jku":"https://evil.example/keys"})", claims(), key)) == "ok");
}

TEST_CASE("claims of the wrong type or form are bad_claims") {
    auto key = hs_key();
    auto v = verifier_for(key);
    const std::vector<json> bad = {
        {{"role", nullptr}},
        {{"role", "owner"}},
        {{"role", "EDIT"}},
        {{"role", 1}},
        {{"exp", nullptr}},
        {{"exp", "1700000600"}},
        {{"exp", -1}},
        {{"exp", 1e300}},
        {{"nbf", "soon"}},
        {{"doc", nullptr}},
        {{"doc", 42}},
        {{"doc", "has space"}},
        {{"doc", nullptr}, {"docs", "doc-1"}},
        {{"doc", nullptr}, {"docs", json::array({"doc-1", 2})}},
        {{"doc", nullptr}, {"docs", json::array()}},
        {{"name", 5}},
        {{"name", std::string(65, 'n')}},
        {{"sub", 7}},
        {{"sub", std::string(max_subject_bytes + 1, 's')}},
        {{"sub", "a\nb"}},
        {{"iss", 3}},
        {{"aud", json::array({"a", nullptr})}},
    };
    for (const auto& change : bad) {
        INFO(change.dump());
        CHECK(verdict(v, token(key, change)) == "bad_claims");
    }
    CHECK(verdict(v, token(key, {{"name", nullptr}, {"sub", nullptr}})) == "ok");
    CHECK(verdict(v, token(key, {{"sub", std::string(max_subject_bytes, 's')}, {"iat", "ignored"}})) == "ok");
}

TEST_CASE("a token's name is cleaned like a ClientInfo name: controls and bidi characters go, 64 code points stay") {
    auto key = hs_key();
    auto v = verifier_for(key);
    auto name_of = [&](const std::string& name) {
        auto c = v.verify(token(key, {{"name", name}}), now);
        return c ? c->name : "refused:" + std::string(reason_name(c.refusal().reason));
    };
    CHECK(name_of("Ada\u202Egnp.exe") == "Adagnp.exe");
    CHECK(name_of("A\nd\ta\x7f\u200F\u2066\u2069\u061C\u2028!") == "Ada!");
    CHECK(name_of("\u00c9lodie \U0001F600") == "\u00c9lodie \U0001F600");
    std::string sixty_four;
    for (int i = 0; i < 64; ++i) sixty_four += "\u00e9";
    CHECK(name_of(sixty_four) == sixty_four);
    CHECK(name_of(sixty_four + "\u202E\n") == sixty_four);
    CHECK(name_of(sixty_four + "x") == "refused:bad_claims");
}

TEST_CASE("minted tokens verify with the same settings and carry what was asked") {
    for (const auto& key : {hs_key(), rs_key(), es_key()}) {
        INFO(algorithm_name(key.algorithm()));
        auto s = settings_for(key);
        s.issuer = "kolabpad-admin";
        s.audience = "kolabpad";
        auto minter = TokenMinter::create(s);
        REQUIRE(minter.ok());
        CHECK(minter->algorithm() == key.algorithm());
        auto v = *TokenVerifier::create(s);

        auto one = minter->mint({{"team-42-*"}, Role::view, "Bob\u202E", "user-9", 120}, now);
        REQUIRE(one.ok());
        auto c = v.verify(*one, now);
        INFO((c ? "" : c.refusal().detail));
        REQUIRE(c.ok());
        CHECK(c->role == Role::view);
        CHECK(c->name == "Bob");
        CHECK(c->subject == "user-9");
        CHECK(c->issuer == "kolabpad-admin");
        CHECK(c->audience == std::vector<std::string>{"kolabpad"});
        CHECK(c->expires_at == t0 + 120);
        CHECK(c->grants("team-42-x") == Role::view);
        CHECK_FALSE(c->grants("team-43-x"));
        CHECK(v.verify(*one, now + std::chrono::seconds(120 + s.clock_skew_seconds)).refusal().reason == Reason::expired);

        auto many = minter->mint({{"a", "b"}, Role::edit, "", "", 60}, now);
        REQUIRE(many.ok());
        auto m = v.authorize(*many, "b", now);
        REQUIRE(m.ok());
        CHECK(m->role == Role::edit);
        CHECK(m->claims.name.empty());
        CHECK(v.authorize(*many, "c", now).refusal().reason == Reason::wrong_document);
    }
}

TEST_CASE("minting is unavailable with a public key alone, and says so") {
    TokenSettings s;
    s.verify_key = *VerifyKey::from_public_pem(rsa_pair().public_pem);
    auto minter = TokenMinter::create(s);
    REQUIRE_FALSE(minter.ok());
    CHECK(minter.error().find("minting is unavailable") == 0);
    CHECK(minter.error().find("JWT_PRIVATE_KEY_FILE") != std::string::npos);
    CHECK_FALSE(TokenMinter::create(TokenSettings{}).ok());
    CHECK_FALSE(TokenVerifier::create(TokenSettings{}));
}

TEST_CASE("minting refuses requests outside the claim rules, naming the field") {
    auto s = settings_for(hs_key());
    s.max_mint_lifetime_seconds = 3600;
    s.max_token_bytes = 1024;
    auto minter = *TokenMinter::create(s);
    auto error_of = [&](MintRequest r) {
        auto t = minter.mint(r, now);
        return t ? std::string("ok") : t.error().substr(0, t.error().find(':'));
    };
    CHECK(error_of({{"doc-1"}, Role::edit, "Ada", "u", 3600}) == "ok");
    CHECK(error_of({{}, Role::edit, "Ada", "u", 60}) == "documents");
    CHECK(error_of({{"a*b"}, Role::edit, "Ada", "u", 60}) == "documents");
    CHECK(error_of({{"doc-1"}, Role::edit, std::string(65, 'n'), "u", 60}) == "name");
    CHECK(error_of({{"doc-1"}, Role::edit, "Ada", "a\nb", 60}) == "subject");
    CHECK(error_of({{"doc-1"}, Role::edit, "Ada", "\xff", 60}) == "subject");
    CHECK(error_of({{"doc-1"}, Role::edit, "Ada", "u", 0}) == "lifetime");
    CHECK(error_of({{"doc-1"}, Role::edit, "Ada", "u", 3601}) == "lifetime");
    CHECK(error_of({std::vector<std::string>(100, "some-document-id"), Role::edit, "Ada", "u", 60}) == "documents");
}

TEST_CASE("refusal reasons have stable names") {
    std::vector<std::string> names;
    for (Reason r : all_reasons) names.emplace_back(reason_name(r));
    CHECK(names == std::vector<std::string>{"missing", "too_large", "malformed", "alg_refused", "bad_signature",
                                            "bad_claims", "expired", "not_yet_valid", "wrong_issuer",
                                            "wrong_audience", "wrong_document"});
}

TEST_CASE("one verifier checks tokens from several threads at once") {
    const std::vector<SigningKey> keys = {hs_key(), rs_key(), es_key()};
    std::vector<TokenVerifier> verifiers;
    std::vector<std::string> tokens;
    for (const auto& k : keys) {
        verifiers.push_back(verifier_for(k));
        tokens.push_back(token(k));
    }
    std::atomic<int> accepted{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 150; ++i) {
                const std::size_t k = static_cast<std::size_t>(i + t) % keys.size();
                (verifiers[k].verify(tokens[k], now) ? accepted : refused)++;
                // The other key's token must keep failing too, under concurrency.
                (verifiers[k].verify(tokens[(k + 1) % keys.size()], now) ? accepted : refused)++;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(accepted == 600);
    CHECK(refused == 600);
}
