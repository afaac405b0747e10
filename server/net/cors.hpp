#pragma once
// CORS_ORIGINS applied: which pages may open WebSockets and call the HTTP API (the Origin check),
// and the CORS headers of API answers to the pages of other origins. Free of Boost.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/origins.hpp"

namespace kolabpad::server::net {

// Sets CORS_ORIGINS (already validated) once at start, before any request is handled.
void configure_cors(auth::OriginList origins);

// True when a request whose Origin header is `origin` (nullopt: none, as from clients that are not
// browsers), sent to this server as `host` (its Host header), may proceed: no Origin, the server's
// own host (its own pages, whatever the scheme in front), or an origin CORS_ORIGINS allows.
bool origin_allowed(std::optional<std::string_view> origin, std::string_view host);

// The CORS headers of an API answer to a request from `origin` to `host`: for an allowed origin
// other than the server's own, Access-Control-Allow-Origin (`*` with CORS_ORIGINS=*, else the
// origin itself with Vary: Origin); none otherwise. No credentials (cookies) are ever allowed.
std::vector<std::pair<std::string_view, std::string>> cors_headers(std::optional<std::string_view> origin,
                                                                   std::string_view host);

// The extra headers of an answer to a preflight (OPTIONS) from an allowed origin: the methods and
// request headers the API takes, and how long a browser may cache that.
std::vector<std::pair<std::string_view, std::string>> preflight_headers();

}  // namespace kolabpad::server::net
