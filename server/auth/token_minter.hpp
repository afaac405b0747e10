#pragma once
// Minting of signed tokens (for POST /api/tokens) with the configured signing key.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "auth/claims.hpp"
#include "auth/token_settings.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::auth {

// What a minted token grants, to whom, for how long.
struct MintRequest {
    std::vector<std::string> documents;  // ids or prefixes ending in '*' ("team-42-*"); at least one
    Role role = Role::view;
    std::string name;                    // display name; cleaned, at most 64 code points; may be empty
    std::string subject;                 // sub; may be empty
    std::int64_t lifetime_seconds = 3600;  // 1 to JWT_MAX_MINT_LIFETIME_SECONDS
};

// Signs tokens that this server's TokenVerifier accepts (same key, JWT_ISSUER and JWT_AUDIENCE).
// Immutable; mint() may be called from several threads at once.
class TokenMinter {
public:
    // A minter for `settings`; an error saying why minting is unavailable when they hold no
    // signing key (JWT_PUBLIC_KEY_FILE alone can only verify).
    static ot::Result<TokenMinter> create(const TokenSettings& settings);

    // A compact JWS with header {"alg","typ":"JWT"} and claims doc (one entry) or docs (several),
    // role, name and sub (when not empty), iat, exp = now + lifetime, iss and aud (when
    // configured). An error naming the field for a request outside the rules above, or when the
    // token would be longer than JWT_MAX_TOKEN_BYTES (the verifier would refuse it).
    ot::Result<std::string> mint(const MintRequest& request, std::chrono::system_clock::time_point now) const;

    // The algorithm minted tokens are signed with.
    Algorithm algorithm() const { return key_.algorithm(); }

private:
    TokenMinter(SigningKey key, const TokenSettings& s);

    SigningKey key_;
    std::string issuer_;
    std::string audience_;
    std::int64_t max_lifetime_;
    std::size_t max_bytes_;
};

}  // namespace kolabpad::server::auth
