#pragma once
// The public form of an Edit's secret `client` id: what History echoes, what de-duplication is keyed
// by and what storage keeps (docs/protocol.md, "Client ids and tags").

#include <cstddef>
#include <string>
#include <string_view>

namespace kolabpad::server::protocol {

// Characters of a tag: 22 base64url characters carry 132 of SHA-256's bits.
inline constexpr std::size_t client_tag_chars = 22;

// tag(c) = the first 22 characters of base64url (no padding) of SHA-256(the UTF-8 bytes of c).
std::string client_tag(std::string_view client);

}  // namespace kolabpad::server::protocol
