#include "auth/origins.hpp"

#include <cctype>

namespace kolabpad::server::auth {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool valid_host(std::string_view h) {
    if (h.empty() || h.size() > 253) return false;
    if (h.front() == '[') {
        if (h.size() < 3 || h.back() != ']') return false;
        for (char c : h.substr(1, h.size() - 2)) {
            if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
        }
        return true;
    }
    if (h.front() == '.' || h.front() == '-' || h.back() == '.') return false;
    for (char c : h) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin) {
    const auto sep = origin.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    const std::string scheme = lower(origin.substr(0, sep));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    std::string_view rest = origin.substr(sep + 3);
    // The port is after the last ':' that follows the host (an IPv6 literal has its own colons).
    std::string_view host = rest, port;
    const auto close = rest.rfind(']');
    const auto colon = rest.rfind(':');
    if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.front() == '0') return std::nullopt;
        unsigned n = 0;
        for (char c : port) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + static_cast<unsigned>(c - '0');
        }
        if (n == 0 || n > 65535) return std::nullopt;
    }
    if (!valid_host(host)) return std::nullopt;
    std::string out = scheme + "://" + lower(host);
    const bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (!port.empty() && !default_port) out.append(":").append(port);
    return out;
}

ot::Result<OriginList> OriginList::parse(std::string_view setting) {
    OriginList list;
    if (trim(setting) == "*") return list;
    list.any_ = false;
    std::size_t start = 0;
    while (start <= setting.size()) {
        auto end = setting.find(',', start);
        if (end == std::string_view::npos) end = setting.size();
        const std::string_view entry = trim(setting.substr(start, end - start));
        if (entry.empty()) return ot::Error{"an empty entry (two commas, or a comma at an end)"};
        if (entry == "*") return ot::Error{"\"*\" cannot be combined with other origins"};
        auto origin = normalize_origin(entry);
        if (!origin) {
            std::string message = "\"";
            message.append(entry).append("\" is not an origin (http:// or https://, a host, an optional port, no path)");
            return ot::Error{std::move(message)};
        }
        list.origins_.push_back(std::move(*origin));
        start = end + 1;
    }
    return list;
}

bool OriginList::allows(std::string_view origin) const {
    if (any_) return true;
    auto normalized = normalize_origin(origin);
    if (!normalized) return false;
    for (const auto& o : origins_) {
        if (o == *normalized) return true;
    }
    return false;
}

}  // namespace kolabpad::server::auth
