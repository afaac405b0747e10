#include "history/version_name.hpp"

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::history {

std::optional<std::string> version_name_problem(std::string_view name, std::uint64_t max_code_points) {
    if (name.empty()) return "a version name must not be empty";
    if (!ot::utf8::is_valid(name)) return "a version name must be valid UTF-8";
    const std::uint64_t n = ot::utf8::count(name);
    if (n > max_code_points) {
        return "a version name has at most " + std::to_string(max_code_points) + " characters, not " + std::to_string(n);
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        const bool c1 = c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) >= 0x80 &&
                        static_cast<unsigned char>(name[i + 1]) <= 0x9F;
        const bool separator = c == 0xE2 && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0x80 &&
                               (static_cast<unsigned char>(name[i + 2]) == 0xA8 ||
                                static_cast<unsigned char>(name[i + 2]) == 0xA9);
        if (c < 0x20 || c == 0x7F || c1 || separator) return "a version name must not contain control characters";
    }
    return std::nullopt;
}

}  // namespace kolabpad::server::history
