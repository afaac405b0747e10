#pragma once
// The token settings of the server (AUTH_MODE and the JWT_* variables), parsed and with their
// keys loaded by parse_config; TokenVerifier and TokenMinter are built from them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jws_keys.hpp"

namespace kolabpad::server::auth {

// Who may open a document: `open` (anyone with its id), `token` (a valid token for it, always),
// `mixed` (a token where the document has a token rule, open otherwise).
enum class AuthMode { open, token, mixed };

// The AUTH_MODE value of `m` ("open", "token", "mixed").
inline std::string_view auth_mode_name(AuthMode m) {
    return m == AuthMode::token ? "token" : m == AuthMode::mixed ? "mixed" : "open";
}

// Everything the token layer is configured with; defaults are the documented ones.
struct TokenSettings {
    std::optional<VerifyKey> verify_key;    // JWT_SECRET(_FILE), JWT_PUBLIC_KEY_FILE or JWT_PRIVATE_KEY_FILE
    std::optional<SigningKey> signing_key;  // JWT_SECRET(_FILE) or JWT_PRIVATE_KEY_FILE; none: no minting
    std::string issuer;                     // JWT_ISSUER (empty: iss not checked)
    std::string audience;                   // JWT_AUDIENCE (empty: tokens must not carry aud)
    std::int64_t clock_skew_seconds = 30;   // JWT_CLOCK_SKEW_SECONDS
    std::size_t max_token_bytes = 8192;     // JWT_MAX_TOKEN_BYTES
    std::int64_t max_mint_lifetime_seconds = 30 * 86400;  // JWT_MAX_MINT_LIFETIME_SECONDS
};

}  // namespace kolabpad::server::auth
