#pragma once
// Test-only key pairs, generated with OpenSSL when a test first asks (never committed), and
// hand-built tokens for the token tests.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/base64url.hpp"
#include "auth/jws_keys.hpp"

namespace kolabpad::server::testing {

// A private and a public key in PEM.
struct PemPair {
    std::string private_pem;
    std::string public_pem;
};

inline std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

// Writes `key` as PKCS#8 private and SPKI public PEM, then frees it.
inline PemPair pem_pair(EVP_PKEY* key) {
    BIO* priv = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
    BIO* pub = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(pub, key);
    EVP_PKEY_free(key);
    return PemPair{bio_text(priv), bio_text(pub)};
}

// A fresh RSA key of `bits` bits.
inline PemPair make_rsa(unsigned bits = 2048) { return pem_pair(EVP_RSA_gen(bits)); }
// A fresh EC key on `curve` (OpenSSL's name, "P-256").
inline PemPair make_ec(const char* curve = "P-256") { return pem_pair(EVP_EC_gen(curve)); }

// One RSA-2048 and one P-256 pair for the whole test run (RSA generation is slow).
inline const PemPair& rsa_pair() {
    static const PemPair p = make_rsa();
    return p;
}
inline const PemPair& ec_pair() {
    static const PemPair p = make_ec();
    return p;
}

// A 32-byte test secret.
inline const std::string test_secret = "test-only-secret-0123456789abcdef";

// A compact JWS of `header` and `claims` (raw JSON text) signed by `key`.
inline std::string sign_token(const std::string& header, const std::string& claims, const auth::SigningKey& key) {
    std::string input = auth::base64url_encode(header) + "." + auth::base64url_encode(claims);
    auto sig = key.sign(input);
    return input + "." + auth::base64url_encode(*sig);
}

// Seconds since the epoch of `t`.
inline std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace kolabpad::server::testing
