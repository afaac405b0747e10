#include "auth/jws_keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace kolabpad::server::auth {
namespace {

using ot::Error;

constexpr std::size_t es256_half = 32;  // bytes of R and of S in a P-256 JWS signature

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

std::shared_ptr<evp_pkey_st> share(EVP_PKEY* p) { return std::shared_ptr<evp_pkey_st>(p, PkeyFree{}); }

// A copy of the secret that is overwritten with zeros when the last owner lets go of it.
std::shared_ptr<const std::string> share_secret(std::string_view s) {
    return std::shared_ptr<const std::string>(new std::string(s), [](const std::string* p) {
        OPENSSL_cleanse(const_cast<char*>(p->data()), p->size());
        delete p;
    });
}

// OpenSSL's default would prompt on the terminal for an encrypted key; refuse instead.
int no_passphrase(char*, int, int, void*) { return -1; }

// Failures leave entries on this thread's OpenSSL error queue; drop them so they cannot be
// mistaken for the cause of a later, unrelated failure.
template <class T>
T cleared(T value) {
    ERR_clear_error();
    return value;
}

std::unique_ptr<BIO, BioFree> memory_bio(std::string_view text) {
    return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The algorithm `key` fixes, or an error naming what is unsupported.
ot::Result<Algorithm> algorithm_of(EVP_PKEY* key) {
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA: {
            const int bits = EVP_PKEY_get_bits(key);
            if (bits < min_rsa_bits) {
                return Error{"RSA key of " + std::to_string(bits) + " bits; at least " + std::to_string(min_rsa_bits) +
                             " are needed"};
            }
            return Algorithm::rs256;
        }
        case EVP_PKEY_EC: {
            char group[64] = {};
            std::size_t len = 0;
            if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
                return cleared(Error{"EC key without a named curve; only P-256 (ES256) is supported"});
            }
            if (std::string_view(group, len) != "prime256v1") {
                return Error{"EC key on curve " + std::string(group, len) + "; only P-256 (ES256) is supported"};
            }
            return Algorithm::es256;
        }
        default:
            return Error{"unsupported key type; use an RSA key (RS256) or an EC P-256 key (ES256)"};
    }
}

// The public part of `key` alone, through a DER round trip.
std::shared_ptr<evp_pkey_st> public_part(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(key, &der);
    if (len <= 0) return cleared(std::shared_ptr<evp_pkey_st>());
    const unsigned char* p = der;
    EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, len);
    OPENSSL_free(der);
    if (!pub) return cleared(std::shared_ptr<evp_pkey_st>());
    return share(pub);
}

std::string hmac_sha256(const std::string& secret, std::string_view input) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len)) {
        return cleared(std::string());
    }
    return std::string(reinterpret_cast<const char*>(out), len);
}

// The DER ECDSA-Sig-Value of a 64-byte R||S signature; empty when it cannot be built.
std::string der_from_raw(std::string_view raw) {
    std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
    if (!sig) return cleared(std::string());
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), es256_half, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + es256_half, es256_half, nullptr);
    if (!r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return cleared(std::string());
    }
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &der);
    if (len <= 0) return cleared(std::string());
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

// The 64-byte R||S form of a DER ECDSA-Sig-Value; empty when it does not parse.
std::string raw_from_der(std::string_view der) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) return cleared(std::string());
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string out(2 * es256_half, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (BN_bn2binpad(r, o, es256_half) != es256_half || BN_bn2binpad(s, o + es256_half, es256_half) != es256_half) {
        return cleared(std::string());
    }
    return out;
}

bool digest_verify(EVP_PKEY* key, std::string_view input, std::string_view signature) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return cleared(false);
    const int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                    reinterpret_cast<const unsigned char*>(input.data()), input.size());
    return ok == 1 ? true : cleared(false);
}

ot::Result<std::string> digest_sign(EVP_PKEY* key, std::string_view input) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
        return cleared(Error{"OpenSSL could not start signing"});
    }
    const auto* in = reinterpret_cast<const unsigned char*>(input.data());
    std::size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) return cleared(Error{"OpenSSL signing failed"});
    std::string out(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, in, input.size()) != 1) {
        return cleared(Error{"OpenSSL signing failed"});
    }
    out.resize(len);
    return out;
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
    switch (a) {
        case Algorithm::hs256: return "HS256";
        case Algorithm::rs256: return "RS256";
        case Algorithm::es256: return "ES256";
    }
    return "";
}

ot::Result<VerifyKey> VerifyKey::from_secret(std::string_view secret) {
    if (secret.size() < min_secret_bytes) {
        return Error{"the secret has " + std::to_string(secret.size()) + " bytes; HS256 needs at least " +
                     std::to_string(min_secret_bytes)};
    }
    return VerifyKey(Algorithm::hs256, share_secret(secret), nullptr);
}

ot::Result<VerifyKey> VerifyKey::from_public_pem(std::string_view pem) {
    if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
        return Error{"this is a private key; a PEM public key (-----BEGIN PUBLIC KEY-----) is needed"};
    }
    auto bio = memory_bio(pem);
    if (!bio) return cleared(Error{"OpenSSL could not read the key"});
    EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr);
    if (!raw) return cleared(Error{"not a PEM public key (-----BEGIN PUBLIC KEY-----)"});
    auto key = share(raw);
    auto alg = algorithm_of(raw);
    if (!alg) return Error{alg.error()};
    return VerifyKey(*alg, nullptr, std::move(key));
}

bool VerifyKey::verify(std::string_view input, std::string_view signature) const {
    switch (algorithm_) {
        case Algorithm::hs256: {
            const std::string mac = hmac_sha256(*secret_, input);
            return !mac.empty() && mac.size() == signature.size() &&
                   CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
        }
        case Algorithm::rs256:
            return digest_verify(key_.get(), input, signature);
        case Algorithm::es256: {
            // JWS carries R||S (RFC 7518 section 3.4); OpenSSL verifies the DER form.
            if (signature.size() != 2 * es256_half) return false;
            const std::string der = der_from_raw(signature);
            return !der.empty() && digest_verify(key_.get(), input, der);
        }
    }
    return false;
}

ot::Result<SigningKey> SigningKey::from_secret(std::string_view secret) {
    auto v = VerifyKey::from_secret(secret);
    if (!v) return Error{v.error()};
    return SigningKey(Algorithm::hs256, v->secret_, nullptr, nullptr);
}

ot::Result<SigningKey> SigningKey::from_private_pem(std::string_view pem) {
    if (pem.find("ENCRYPTED") != std::string_view::npos) {
        return Error{"the private key is encrypted; an unencrypted PEM private key is needed"};
    }
    auto bio = memory_bio(pem);
    if (!bio) return cleared(Error{"OpenSSL could not read the key"});
    EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
    if (!raw) return cleared(Error{"not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)"});
    auto key = share(raw);
    auto alg = algorithm_of(raw);
    if (!alg) return Error{alg.error()};
    auto pub = public_part(raw);
    if (!pub) return Error{"OpenSSL could not derive the public key"};
    return SigningKey(*alg, nullptr, std::move(key), std::move(pub));
}

ot::Result<std::string> SigningKey::sign(std::string_view input) const {
    switch (algorithm_) {
        case Algorithm::hs256: {
            std::string mac = hmac_sha256(*secret_, input);
            if (mac.empty()) return Error{"OpenSSL HMAC failed"};
            return mac;
        }
        case Algorithm::rs256:
            return digest_sign(key_.get(), input);
        case Algorithm::es256: {
            auto der = digest_sign(key_.get(), input);
            if (!der) return der;
            std::string raw = raw_from_der(*der);
            if (raw.empty()) return Error{"OpenSSL produced an ECDSA signature that does not parse"};
            return raw;
        }
    }
    return Error{"unknown algorithm"};
}

VerifyKey SigningKey::verify_key() const { return VerifyKey(algorithm_, secret_, public_key_); }

bool SigningKey::matches(const VerifyKey& other) const {
    if (other.algorithm_ != algorithm_) return false;
    if (algorithm_ == Algorithm::hs256) {
        return secret_->size() == other.secret_->size() &&
               CRYPTO_memcmp(secret_->data(), other.secret_->data(), secret_->size()) == 0;
    }
    return EVP_PKEY_eq(public_key_.get(), other.key_.get()) == 1;
}

}  // namespace kolabpad::server::auth
