#pragma once
// base64url without padding (RFC 4648 section 5), as JWS compact serialization uses it.

#include <optional>
#include <string>
#include <string_view>

namespace kolabpad::server::auth {

// The unpadded base64url encoding of `bytes`.
std::string base64url_encode(std::string_view bytes);

// The bytes `text` encodes; nullopt for any character outside [A-Za-z0-9_-], padding, a length
// of 1 mod 4, or non-zero unused trailing bits (so every byte string has exactly one encoding).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace kolabpad::server::auth
