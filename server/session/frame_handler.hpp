#pragma once
// The frame handler: one complete text frame from a connection, validated and parsed, checked
// against what the connection may do, then the call on its Room (the Document, or its relay), or the Error the connection
// must send before it closes. Everything a WebSocket session does with a frame's content is here,
// without Boost, so that the fuzzer runs the same path.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "document/document.hpp"
#include "protocol/messages.hpp"

namespace kolabpad::server::session {

// WebSocket close code for a frame whose content is refused (invalid UTF-8, bad_message).
inline constexpr std::uint16_t close_bad_data = 1007;

// What a connection may do, fixed by the access decision of its upgrade (net/access.hpp).
struct Permissions {
    bool read_only = false;           // a viewer: only the kinds viewer_may_send reach the document
    std::optional<std::string> name;  // admitted with a token: the name others see; ClientInfo sets the hue only
    bool tokens_only = false;         // the document needs a token: the kinds off_with_tokens are refused
};

// Message kinds a viewer may send: they change nothing stored. Every other kind (Edit,
// SetLanguage, SetOTP, CreateViewLink, and any kind added later, such as SaveVersion or Restore)
// is answered Rejected{code:"read_only"} and never reaches the document or a relay. Allowing a
// new kind to viewers is one line here.
template <class M> inline constexpr bool viewer_may_send = false;
template <> inline constexpr bool viewer_may_send<protocol::ClientInfo> = true;
template <> inline constexpr bool viewer_may_send<protocol::Cursor> = true;
template <> inline constexpr bool viewer_may_send<protocol::SignalTo> = true;

// Message kinds refused (Rejected{code:"tokens_only"}) on a document that needs a token: the OTP
// and read-only links would open it without one.
template <class M> inline constexpr bool off_with_tokens = false;
template <> inline constexpr bool off_with_tokens<protocol::SetOtp> = true;
template <> inline constexpr bool off_with_tokens<protocol::CreateViewLink> = true;

// An Error{code, message} to send, then close the connection with `close_code`.
struct FrameError {
    std::string code;
    std::string message;
    std::uint16_t close_code = close_bad_data;
};

// What became of one frame: an error to send, a refusal, or (for an Edit) what the document did
// with it; none of them for every other message the document took.
struct FrameOutcome {
    std::optional<FrameError> error;
    std::optional<document::EditResult> edit;
    std::optional<std::string> rejected;  // the code of a refused message ("read_only"); nothing reached the document
    std::optional<std::string> reply;     // a frame for the sender alone (the Rejected of a refused message)
};

// Handles one complete text frame `text` from `user` of `doc`: checks UTF-8, parses it
// (protocol::parse_client_message), refuses what `permissions` do not allow, and makes the
// matching call on `doc`. With `doc` null (the connection is not joined, or is closing) the frame
// is only checked.
FrameOutcome handle_frame(document::Room* doc, std::uint64_t user, std::string_view text,
                          const Permissions& permissions = {});

}  // namespace kolabpad::server::session
