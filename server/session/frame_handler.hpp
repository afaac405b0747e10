#pragma once
// The frame handler: one complete text frame from a connection, validated and parsed, then the call
// on its Room (the Document, or its relay), or the Error the connection must send before it closes. Everything a WebSocket
// session does with a frame's content is here, without Boost, so that the fuzzer runs the same path.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "document/document.hpp"

namespace kolabpad::server::session {

// WebSocket close code for a frame whose content is refused (invalid UTF-8, bad_message).
inline constexpr std::uint16_t close_bad_data = 1007;

// An Error{code, message} to send, then close the connection with `close_code`.
struct FrameError {
    std::string code;
    std::string message;
    std::uint16_t close_code = close_bad_data;
};

// What became of one frame: an error to send, or (for an Edit) what the document did with it;
// neither for every other message the document took.
struct FrameOutcome {
    std::optional<FrameError> error;
    std::optional<document::EditResult> edit;
};

// Handles one complete text frame `text` from `user` of `doc`: checks UTF-8, parses it
// (protocol::parse_client_message) and makes the matching call on `doc`. With `doc` null (the
// connection is not joined, or is closing) the frame is only checked.
FrameOutcome handle_frame(document::Room* doc, std::uint64_t user, std::string_view text);

}  // namespace kolabpad::server::session
