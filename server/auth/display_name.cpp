#include "auth/display_name.hpp"

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::auth {

bool is_stripped_from_names(char32_t cp) {
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;
    if (cp == 0x2028 || cp == 0x2029) return true;
    if (cp == 0x061C || cp == 0x200E || cp == 0x200F) return true;
    if (cp >= 0x202A && cp <= 0x202E) return true;
    return cp >= 0x2066 && cp <= 0x2069;
}

std::optional<std::string> clean_display_name(std::string_view raw) {
    if (!ot::utf8::is_valid(raw)) return std::nullopt;
    std::string out;
    out.reserve(raw.size());
    std::size_t kept = 0;
    for (std::size_t i = 0; i < raw.size();) {
        const auto b0 = static_cast<unsigned char>(raw[i]);
        const std::size_t n = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
        char32_t cp = n == 1 ? b0 : n == 2 ? b0 & 0x1F : n == 3 ? b0 & 0x0F : b0 & 0x07;
        for (std::size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<unsigned char>(raw[i + k]) & 0x3F);
        if (!is_stripped_from_names(cp)) {
            if (++kept > max_display_name_chars) return std::nullopt;
            out.append(raw.substr(i, n));
        }
        i += n;
    }
    return out;
}

}  // namespace kolabpad::server::auth
