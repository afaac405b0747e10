#pragma once
// Admin authentication: the admin API exists only when ADMIN_TOKEN is set, and only for requests
// carrying `Authorization: Bearer <ADMIN_TOKEN>`.

#include <optional>
#include <string_view>

namespace kolabpad::server::admin {

// True when `configured` is non-empty and `authorization` is exactly "Bearer " + configured
// (scheme case-insensitive). The comparison takes the same time wherever the first difference is.
bool authorized(std::string_view configured, std::optional<std::string_view> authorization);

}  // namespace kolabpad::server::admin
