#pragma once
// CORS_ORIGINS: the origins whose pages may call the HTTP API and open WebSockets.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::auth {

// "*" (any origin, the default) or a list of origins, each scheme://host[:port].
class OriginList {
public:
    // Any origin.
    OriginList() = default;

    // The setting's value: "*", or origins separated by commas (spaces around them ignored). Each is
    // http or https, a host name, IPv4 or [IPv6] literal, and an optional port; no path, query,
    // user or trailing slash; "null" is refused. Compared case-insensitively, default ports dropped.
    static ot::Result<OriginList> parse(std::string_view setting);

    // True for "*".
    bool any() const { return any_; }
    // The listed origins, normalized (lower case, no default port); empty for "*".
    const std::vector<std::string>& origins() const { return origins_; }
    // True when a request whose Origin header is `origin` is allowed.
    bool allows(std::string_view origin) const;

private:
    bool any_ = true;
    std::vector<std::string> origins_;
};

// `origin` normalized (lower-case scheme and host, default port dropped), or nullopt when it is
// not scheme://host[:port] with an http or https scheme.
std::optional<std::string> normalize_origin(std::string_view origin);

}  // namespace kolabpad::server::auth
