#pragma once
// JWS signing and verification keys: the thin wrapper over OpenSSL's EVP primitives. Each key
// fixes its one algorithm (a secret: HS256; an RSA key: RS256; an EC P-256 key: ES256), so a
// token can never choose how it is checked.

#include <memory>
#include <string>
#include <string_view>

#include "kolabpad/ot/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace kolabpad::server::auth {

// The signature algorithms a key can fix.
enum class Algorithm { hs256, rs256, es256 };

// The JWS "alg" name of `a` ("HS256", "RS256", "ES256").
std::string_view algorithm_name(Algorithm a);

// Fewest bytes in an HS256 secret (RFC 7518 section 3.2: at least the hash size).
inline constexpr std::size_t min_secret_bytes = 32;
// Fewest bits in an RSA key.
inline constexpr int min_rsa_bits = 2048;

// A key that verifies signatures. Immutable; copies share the key; verify() may be called from
// several threads at once.
class VerifyKey {
public:
    // An HS256 key; an error when `secret` is shorter than min_secret_bytes.
    static ot::Result<VerifyKey> from_secret(std::string_view secret);
    // The public key of a PEM "PUBLIC KEY" (or PKCS#1 "RSA PUBLIC KEY") block: RSA of at least
    // min_rsa_bits (RS256) or EC P-256 (ES256); an error saying what is wrong otherwise (also
    // for a private key).
    static ot::Result<VerifyKey> from_public_pem(std::string_view pem);

    // The one algorithm this key verifies.
    Algorithm algorithm() const { return algorithm_; }
    // True when `signature` (the raw JWS signature bytes: the HMAC, the RSA signature, or R||S of
    // 64 bytes for ES256) signs `input` under algorithm() with this key.
    bool verify(std::string_view input, std::string_view signature) const;

private:
    friend class SigningKey;
    VerifyKey(Algorithm a, std::shared_ptr<const std::string> secret, std::shared_ptr<evp_pkey_st> key)
        : algorithm_(a), secret_(std::move(secret)), key_(std::move(key)) {}

    Algorithm algorithm_;
    std::shared_ptr<const std::string> secret_;  // HS256 only; wiped when the last copy goes
    std::shared_ptr<evp_pkey_st> key_;           // RS256/ES256 only; public part only
};

// A key that signs. Immutable; copies share the key; sign() may be called from several threads.
class SigningKey {
public:
    // An HS256 key; an error when `secret` is shorter than min_secret_bytes.
    static ot::Result<SigningKey> from_secret(std::string_view secret);
    // The private key of an unencrypted PEM private-key block ("PRIVATE KEY", "RSA PRIVATE KEY"
    // or "EC PRIVATE KEY"): RSA of at least min_rsa_bits (RS256) or EC P-256 (ES256).
    static ot::Result<SigningKey> from_private_pem(std::string_view pem);

    // The one algorithm this key signs with.
    Algorithm algorithm() const { return algorithm_; }
    // The raw JWS signature of `input` (for ES256, R||S of 64 bytes); an error only if OpenSSL fails.
    ot::Result<std::string> sign(std::string_view input) const;
    // The key that verifies this key's signatures (for RS256/ES256 the public part only).
    VerifyKey verify_key() const;
    // True when `other` verifies this key's signatures (same algorithm and same key).
    bool matches(const VerifyKey& other) const;

private:
    SigningKey(Algorithm a, std::shared_ptr<const std::string> secret, std::shared_ptr<evp_pkey_st> key,
               std::shared_ptr<evp_pkey_st> public_key)
        : algorithm_(a), secret_(std::move(secret)), key_(std::move(key)), public_key_(std::move(public_key)) {}

    Algorithm algorithm_;
    std::shared_ptr<const std::string> secret_;
    std::shared_ptr<evp_pkey_st> key_;         // the private key
    std::shared_ptr<evp_pkey_st> public_key_;  // its public part, for verify_key()
};

}  // namespace kolabpad::server::auth
