#pragma once
// Text that other users see (user names, language ids): the code points it may not carry. Controls
// and bidirectional formatting characters would break lines or reorder the text around them where
// a name is drawn (cursor labels, the user list, the OTP notice).

#include <string>
#include <string_view>

namespace kolabpad::server::protocol {

// True for a code point never shown to others: C0 controls, DEL and C1 controls (newline and tab
// included), U+2028/U+2029 (line and paragraph separators), the bidirectional marks, embeddings,
// overrides and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and U+FEFF.
bool is_display_control(char32_t cp);

// True when valid UTF-8 `s` holds a code point for which is_display_control() is true.
bool has_display_control(std::string_view s);

// Valid UTF-8 `s` without the code points for which is_display_control() is true.
std::string strip_display_controls(std::string_view s);

}  // namespace kolabpad::server::protocol
