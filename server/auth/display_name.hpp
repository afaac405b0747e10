#pragma once
// Display names carried by tokens: the same rules as ClientInfo.name (at most 64 code points),
// with the characters that can disguise a name removed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kolabpad::server::auth {

// Most code points in a display name (the protocol's limit for ClientInfo.name).
inline constexpr std::size_t max_display_name_chars = 64;

// True for the code points stripped from names: C0 and C1 controls and DEL, the line and
// paragraph separators U+2028/U+2029, and the bidirectional formatting characters (U+061C,
// U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) that can reorder what others see.
bool is_stripped_from_names(char32_t cp);

// `raw` without the stripped code points; nullopt when `raw` is not valid UTF-8 or what is left
// has more than max_display_name_chars code points.
std::optional<std::string> clean_display_name(std::string_view raw);

}  // namespace kolabpad::server::auth
