#pragma once
// Verification of compact JWS tokens (JWT) against the one configured key and the claim rules.

#include <chrono>
#include <optional>
#include <string_view>

#include "auth/claims.hpp"
#include "auth/refusal.hpp"
#include "auth/token_settings.hpp"

namespace kolabpad::server::auth {

// Deepest JSON nesting accepted in a token's header or claims (the claims object is depth 1;
// `docs` and `aud` lists are depth 2).
inline constexpr std::size_t max_token_json_depth = 4;

// What a token grants on one document.
struct Grant {
    Role role;      // the role on that document
    Claims claims;  // everything else (name, sub, expiry)
};

// Checks tokens with one key. Immutable; verify() may be called from several threads at once.
class TokenVerifier {
public:
    // A verifier for `settings`; nullopt when they hold no verification key.
    static std::optional<TokenVerifier> create(const TokenSettings& settings);

    // The claims of `token` at time `now`, or why it is refused. In this order: empty (missing);
    // over max_token_bytes (too_large, before anything is parsed); not three base64url parts or a
    // header that is not a small JSON object without `crit` (malformed); alg not the key's
    // (alg_refused, "none" included); signature (bad_signature); claims JSON (malformed) and
    // form (bad_claims); exp (expired) and nbf (not_yet_valid), each with the clock skew; iss
    // (wrong_issuer); aud (wrong_audience). The claims JSON is parsed only after the signature holds.
    Checked<Claims> verify(std::string_view token, std::chrono::system_clock::time_point now) const;

    // verify(), then the role the token grants on `document_id` (wrong_document when none).
    Checked<Grant> authorize(std::string_view token, std::string_view document_id,
                             std::chrono::system_clock::time_point now) const;

    // The algorithm every accepted token must name.
    Algorithm algorithm() const { return key_.algorithm(); }

private:
    TokenVerifier(VerifyKey key, const TokenSettings& s);

    VerifyKey key_;
    std::string issuer_;
    std::string audience_;
    std::int64_t skew_;
    std::size_t max_bytes_;
};

}  // namespace kolabpad::server::auth
