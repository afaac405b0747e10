#include "net/security_headers.hpp"

namespace kolabpad::server::net {
namespace {

// Set once at start (like the log configuration), read by every response afterwards.
std::string frame_ancestors_ = "'self'";

// True for a Host header safe to echo into the policy: a name, IPv4 or [IPv6] with an optional
// port, nothing that could end a source or a directive.
bool plain_host(std::string_view h) {
    if (h.empty() || h.size() > 255) return false;
    std::size_t i = 0;
    if (h[0] == '[') {
        const std::size_t close = h.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        for (std::size_t k = 1; k < close; ++k) {
            const char c = h[k];
            const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) return false;
        }
        i = close + 1;
    } else {
        for (; i < h.size() && h[i] != ':'; ++i) {
            const char c = h[i];
            const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
            if (!ok) return false;
        }
        if (i == 0) return false;
    }
    if (i == h.size()) return true;
    if (h[i] != ':' || i + 1 == h.size() || h.size() - i - 1 > 5) return false;
    for (++i; i < h.size(); ++i) {
        if (h[i] < '0' || h[i] > '9') return false;
    }
    return true;
}

}  // namespace

void configure_security_headers(std::string frame_ancestors) { frame_ancestors_ = std::move(frame_ancestors); }

std::string content_security_policy(std::string_view host) {
    std::string connect = "'self'";
    // 'self' covers ws: and wss: of the same host in CSP Level 3 browsers; older ones need them named.
    if (plain_host(host)) {
        connect += " ws://";
        connect += host;
        connect += " wss://";
        connect += host;
    }
    // data: for connect-src: the wasm package fetches its inlined binary from a data: URL.
    return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data: blob:; font-src 'self' data:; connect-src " + connect + " data:; "
           "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors " +
           frame_ancestors_;
}

std::vector<std::pair<std::string_view, std::string>> security_headers(std::string_view host) {
    std::vector<std::pair<std::string_view, std::string>> h;
    h.reserve(5);
    h.emplace_back("X-Content-Type-Options", "nosniff");
    h.emplace_back("Content-Security-Policy", content_security_policy(host));
    h.emplace_back("Referrer-Policy", "no-referrer");
    // X-Frame-Options can only say "nobody" or "same origin"; for a list of origins or * the CSP alone decides.
    if (frame_ancestors_ == "'self'") h.emplace_back("X-Frame-Options", "SAMEORIGIN");
    else if (frame_ancestors_ == "'none'") h.emplace_back("X-Frame-Options", "DENY");
    return h;
}

}  // namespace kolabpad::server::net
