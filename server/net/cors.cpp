#include "net/cors.hpp"

#include <cctype>

namespace kolabpad::server::net {
namespace {

// Set once at start (like the security headers), read by every request afterwards.
auth::OriginList origins_;

// True when normalized origin `o` ("scheme://host[:port]") names the host the request was sent to.
bool same_host(const std::string& o, std::string_view host) {
    const auto sep = o.find("://");
    const std::string scheme = o.substr(0, sep);
    const std::string_view origin_host = std::string_view(o).substr(sep + 3);
    std::string h(host);
    for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The Host header carries the port only when it is not the scheme's default (mostly).
    const std::string default_port = scheme == "https" ? ":443" : ":80";
    if (h.size() > default_port.size() && h.compare(h.size() - default_port.size(), default_port.size(), default_port) == 0) {
        h.resize(h.size() - default_port.size());
    }
    return !h.empty() && h == origin_host;
}

}  // namespace

void configure_cors(auth::OriginList origins) { origins_ = std::move(origins); }

bool origin_allowed(std::optional<std::string_view> origin, std::string_view host) {
    if (!origin) return true;
    if (origins_.any()) return true;
    if (auto o = auth::normalize_origin(*origin); o && same_host(*o, host)) return true;
    return origins_.allows(*origin);
}

std::vector<std::pair<std::string_view, std::string>> cors_headers(std::optional<std::string_view> origin,
                                                                   std::string_view host) {
    std::vector<std::pair<std::string_view, std::string>> h;
    if (!origin) return h;
    auto normalized = auth::normalize_origin(*origin);
    if (normalized && same_host(*normalized, host)) return h;
    if (origins_.any()) {
        h.emplace_back("Access-Control-Allow-Origin", "*");
    } else if (normalized && origins_.allows(*origin)) {
        h.emplace_back("Access-Control-Allow-Origin", std::string(*origin));  // exactly what the browser sent
        h.emplace_back("Vary", "Origin");
    }
    return h;
}

std::vector<std::pair<std::string_view, std::string>> preflight_headers() {
    return {{"Access-Control-Allow-Methods", "GET, HEAD, POST, DELETE, OPTIONS"},
            {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
            {"Access-Control-Max-Age", "600"}};
}

}  // namespace kolabpad::server::net
