#include "admin/auth.hpp"

#include <cctype>

namespace kolabpad::server::admin {
namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Length is not secret enough to hide (tokens are long); the content is.
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

bool authorized(std::string_view configured, std::optional<std::string_view> authorization) {
    if (configured.empty() || !authorization) return false;
    std::string_view h = *authorization;
    constexpr std::string_view scheme = "bearer ";
    if (h.size() <= scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i]) return false;
    }
    return constant_time_equal(h.substr(scheme.size()), configured);
}

}  // namespace kolabpad::server::admin
