// The parts under the token layer: base64url, bounded JSON, display names, the OpenSSL key
// wrapper, and CORS origin lists.
#include <openssl/encoder.h>
#include <openssl/evp.h>

#include <random>

#include "auth/base64url.hpp"
#include "auth/bounded_json.hpp"
#include "auth/display_name.hpp"
#include "auth/jws_keys.hpp"
#include "auth/origins.hpp"
#include "helpers.hpp"
#include "test_keys.hpp"

using namespace kolabpad::server::auth;
using namespace kolabpad::server::testing;

TEST_CASE("base64url encodes RFC 4648 vectors without padding and decodes them back") {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"},
        {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
    for (const auto& [plain, encoded] : vectors) {
        CHECK(base64url_encode(plain) == encoded);
        CHECK(base64url_decode(encoded) == plain);
    }
    std::mt19937 rng(7);
    for (std::size_t n = 0; n < 100; ++n) {
        std::string bytes(n, '\0');
        for (auto& b : bytes) b = static_cast<char>(rng());
        CHECK(base64url_decode(base64url_encode(bytes)) == bytes);
    }
}

TEST_CASE("base64url refuses padding, the standard alphabet, stray bytes and non-canonical endings") {
    for (const char* bad : {"Zg==", "Zm8=", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zm 9v", "Zm9v\n", "Zh", "Zm9", "Zm9vYh"}) {
        INFO(bad);
        CHECK_FALSE(base64url_decode(bad));
    }
    CHECK(base64url_decode("Zm8") == "fo");
}

TEST_CASE("bounded JSON accepts a shallow object and refuses depth, size, duplicates and non-objects") {
    auto ok = parse_bounded_object(R"({"a":[1,{"b":2}],"c":"d"})", 1000, 3);
    REQUIRE(ok);
    CHECK((*ok)["c"] == "d");
    CHECK_FALSE(parse_bounded_object(R"({"a":[1,{"b":[2]}]})", 1000, 3));
    CHECK(parse_bounded_object(R"({"a":[1,{"b":[2]}]})", 1000, 4));
    CHECK_FALSE(parse_bounded_object(R"({"a":1})", 6, 3));
    CHECK(parse_bounded_object(R"({"a":1})", 7, 3));
    for (const char* bad : {R"({"a":1,"a":2})", R"({"x":{"a":1,"a":1}})", R"([{"a":1}])", "\"s\"", "1", "",
                            R"({"a":1} {"b":2})", R"({"a":"\ud800"})", "{\"a\":\"\xc3\"}", "{\"a\":1,}"}) {
        INFO(bad);
        CHECK_FALSE(parse_bounded_object(bad, 1000, 3));
    }
    // The same key in sibling objects is not a repeat.
    CHECK(parse_bounded_object(R"({"x":{"a":1},"y":{"a":1}})", 1000, 3));
    // A million levels are refused at the bound without building anything (and without recursion).
    const std::string deep = "{\"a\":" + std::string(1000000, '[') + std::string(1000000, ']') + "}";
    CHECK_FALSE(parse_bounded_object(deep, deep.size(), 4));
}

TEST_CASE("display names lose control and bidi characters and keep at most 64 code points") {
    CHECK(clean_display_name("plain") == "plain");
    CHECK(clean_display_name("a\u202Eb\u2067c\u200Ed\x1b[31me\x7f\u0085f") == "abcd[31mef");
    CHECK(clean_display_name(std::string(64, 'x')) == std::string(64, 'x'));
    CHECK_FALSE(clean_display_name(std::string(65, 'x')));
    CHECK(clean_display_name(std::string(64, 'x') + "\n\u202E") == std::string(64, 'x'));
    CHECK_FALSE(clean_display_name("\xff"));
    for (char32_t cp : {U'\u0000', U'\u001F', U'\u007F', U'\u009F', U'\u061C', U'\u200E', U'\u200F', U'\u202A',
                        U'\u202E', U'\u2066', U'\u2069', U'\u2028', U'\u2029'}) {
        CHECK(is_stripped_from_names(cp));
    }
    for (char32_t cp : {U' ', U'a', U'\u00A0', U'\u200D', U'\u2070', U'\U0001F600'}) CHECK_FALSE(is_stripped_from_names(cp));
}

TEST_CASE("a secret shorter than 32 bytes is refused as an HS256 key") {
    CHECK_FALSE(VerifyKey::from_secret(std::string(31, 's')).ok());
    CHECK_FALSE(SigningKey::from_secret(std::string(31, 's')).ok());
    CHECK(VerifyKey::from_secret(std::string(32, 's'))->algorithm() == Algorithm::hs256);
}

TEST_CASE("a public key file fixes RS256 or ES256 and refuses anything else, saying what it got") {
    CHECK(VerifyKey::from_public_pem(rsa_pair().public_pem)->algorithm() == Algorithm::rs256);
    CHECK(VerifyKey::from_public_pem(ec_pair().public_pem)->algorithm() == Algorithm::es256);
    auto error_of = [](const std::string& pem) {
        auto k = VerifyKey::from_public_pem(pem);
        return k ? std::string("ok") : k.error();
    };
    CHECK(error_of(rsa_pair().private_pem).find("private key") != std::string::npos);
    CHECK(error_of("hello").find("not a PEM public key") != std::string::npos);
    CHECK(error_of("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").find("not a PEM public key") !=
          std::string::npos);
    CHECK(error_of(make_rsa(1024).public_pem).find("1024 bits") != std::string::npos);
    CHECK(error_of(make_ec("P-384").public_pem).find("secp384r1") != std::string::npos);
    CHECK(error_of(pem_pair(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")).public_pem).find("unsupported key type") !=
          std::string::npos);
}

TEST_CASE("a private key file signs, matches its own public key only, and must not be encrypted") {
    auto rs = SigningKey::from_private_pem(rsa_pair().private_pem);
    REQUIRE(rs.ok());
    CHECK(rs->algorithm() == Algorithm::rs256);
    CHECK(rs->matches(*VerifyKey::from_public_pem(rsa_pair().public_pem)));
    CHECK_FALSE(rs->matches(*VerifyKey::from_public_pem(make_rsa().public_pem)));
    CHECK_FALSE(rs->matches(*VerifyKey::from_public_pem(ec_pair().public_pem)));
    auto sig = rs->sign("input");
    REQUIRE(sig.ok());
    CHECK(sig->size() == 256);
    CHECK(rs->verify_key().verify("input", *sig));
    CHECK_FALSE(rs->verify_key().verify("inpuT", *sig));

    auto es = SigningKey::from_private_pem(ec_pair().private_pem);
    REQUIRE(es.ok());
    auto es_sig = es->sign("input");
    REQUIRE(es_sig.ok());
    CHECK(es_sig->size() == 64);
    CHECK(es->verify_key().verify("input", *es_sig));
    CHECK_FALSE(es->verify_key().verify("input", es_sig->substr(0, 63)));

    CHECK_FALSE(SigningKey::from_private_pem(rsa_pair().public_pem).ok());
    // An encrypted key would make OpenSSL prompt on the terminal; it is refused instead.
    EVP_PKEY* key = EVP_EC_gen("P-256");
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, EVP_aes_128_cbc(), nullptr, 0, nullptr, const_cast<char*>("passphrase"));
    EVP_PKEY_free(key);
    auto encrypted = SigningKey::from_private_pem(bio_text(bio));
    REQUIRE_FALSE(encrypted.ok());
    CHECK(encrypted.error().find("encrypted") != std::string::npos);

    auto hs = *SigningKey::from_secret(test_secret);
    CHECK(hs.matches(*VerifyKey::from_secret(test_secret)));
    CHECK_FALSE(hs.matches(*VerifyKey::from_secret(test_secret + "x")));
}

namespace {

// `key` in OpenSSL's "type-specific" PEM structure (PKCS#1 for RSA, SEC1 for EC), then freed.
std::string type_specific_pem(EVP_PKEY* key, int selection) {
    OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, selection, "PEM", "type-specific", nullptr);
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(OSSL_ENCODER_to_bio(ctx, bio) == 1);
    OSSL_ENCODER_CTX_free(ctx);
    EVP_PKEY_free(key);
    return bio_text(bio);
}

}  // namespace

TEST_CASE("keys load from PKCS#8 and SPKI and also from the traditional PKCS#1 and SEC1 forms") {
    const std::string rsa_traditional = type_specific_pem(EVP_RSA_gen(2048), EVP_PKEY_KEYPAIR);
    REQUIRE(rsa_traditional.rfind("-----BEGIN RSA PRIVATE KEY-----", 0) == 0);
    CHECK(SigningKey::from_private_pem(rsa_traditional)->algorithm() == Algorithm::rs256);
    const std::string ec_traditional = type_specific_pem(EVP_EC_gen("P-256"), EVP_PKEY_KEYPAIR);
    REQUIRE(ec_traditional.rfind("-----BEGIN EC PRIVATE KEY-----", 0) == 0);
    CHECK(SigningKey::from_private_pem(ec_traditional)->algorithm() == Algorithm::es256);

    const std::string rsa_public_pkcs1 = type_specific_pem(EVP_RSA_gen(2048), EVP_PKEY_PUBLIC_KEY);
    REQUIRE(rsa_public_pkcs1.rfind("-----BEGIN RSA PUBLIC KEY-----", 0) == 0);
    CHECK(VerifyKey::from_public_pem(rsa_public_pkcs1)->algorithm() == Algorithm::rs256);
}

TEST_CASE("CORS_ORIGINS is * or a list of normalized origins") {
    auto any = OriginList::parse("*");
    REQUIRE(any.ok());
    CHECK(any->any());
    CHECK(any->allows("https://whatever.example"));
    CHECK(OriginList{}.any());

    auto list = OriginList::parse(" https://LMS.example.com , http://localhost:5173,https://a.example:443,http://[::1]:8080");
    REQUIRE(list.ok());
    CHECK_FALSE(list->any());
    CHECK(list->origins() == std::vector<std::string>{"https://lms.example.com", "http://localhost:5173",
                                                      "https://a.example", "http://[::1]:8080"});
    CHECK(list->allows("https://lms.example.com"));
    CHECK(list->allows("https://LMS.EXAMPLE.COM"));
    CHECK(list->allows("https://a.example"));
    CHECK(list->allows("http://[::1]:8080"));
    CHECK_FALSE(list->allows("http://lms.example.com"));
    CHECK_FALSE(list->allows("https://lms.example.com:8443"));
    CHECK_FALSE(list->allows("https://evil.example"));
    CHECK_FALSE(list->allows("null"));
    CHECK_FALSE(list->allows(""));

    for (const char* bad : {"", ",", "https://a.example,", "https://a.example,,https://b.example", "*,https://a.example",
                            "a.example", "ftp://a.example", "https://a.example/", "https://a.example/path",
                            "https://user@a.example", "https://a.example:0", "https://a.example:65536",
                            "https://a.example:08080", "https://", "null", "https://a .example", "https://a.example?x"}) {
        INFO(bad);
        CHECK_FALSE(OriginList::parse(bad).ok());
    }
}
