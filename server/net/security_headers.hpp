#pragma once
// Security headers on every response: nosniff, a Content-Security-Policy that fits the editor
// (Monaco's workers and inline styles, the wasm package, the same-host WebSocket), frame-ancestors
// from FRAME_ANCESTORS with X-Frame-Options where that can say the same, no Referer (the document
// id in the URL is the secret of an unprotected document). Free of Boost.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kolabpad::server::net {

// Sets the frame-ancestors sources (FRAME_ANCESTORS, already validated) once at start, before
// any response is made; every response reads them.
void configure_security_headers(std::string frame_ancestors);

// The headers (name, value) for a response to a request with Host `host` (empty when unknown or
// malformed: the policy then allows the socket through 'self' only).
std::vector<std::pair<std::string_view, std::string>> security_headers(std::string_view host);

// The Content-Security-Policy value for Host `host`.
std::string content_security_policy(std::string_view host);

}  // namespace kolabpad::server::net
