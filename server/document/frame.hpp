#pragma once
// OutFrame: one server-to-client message, serialized once and shared, immutable, by every connection
// it goes to. Server frames are unmasked, so the WebSocket frame header (FIN, text, payload length)
// is the same bytes for every reader: it is built once here, beside the payload, and a connection
// writes header and payload as they are, with no per-connection framing or copying.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kolabpad::server::document {

// A text frame: its JSON payload and its WebSocket header.
class OutFrame {
public:
    // Takes the payload (one JSON message) and builds its header.
    explicit OutFrame(std::string payload) : payload_(std::move(payload)) {
        const std::uint64_t n = payload_.size();
        header_[0] = 0x81;  // FIN, opcode 1 (text)
        if (n < 126) {
            header_[1] = static_cast<unsigned char>(n);
            header_size_ = 2;
        } else if (n <= 0xFFFF) {
            header_[1] = 126;
            header_[2] = static_cast<unsigned char>(n >> 8);
            header_[3] = static_cast<unsigned char>(n);
            header_size_ = 4;
        } else {
            header_[1] = 127;
            for (int i = 0; i < 8; ++i) header_[2 + i] = static_cast<unsigned char>(n >> (56 - 8 * i));
            header_size_ = 10;
        }
    }

    // The JSON message.
    const std::string& payload() const { return payload_; }
    // Bytes of the payload (what the send queue limit and the metrics count).
    std::size_t size() const { return payload_.size(); }
    // The WebSocket frame header (2, 4 or 10 bytes).
    std::string_view header() const {
        return {reinterpret_cast<const char*>(header_.data()), header_size_};
    }
    // Header plus payload: the bytes this frame takes on the wire.
    std::size_t wire_size() const { return header_size_ + payload_.size(); }

private:
    std::string payload_;
    std::array<unsigned char, 10> header_{};
    std::size_t header_size_ = 0;
};

// How frames travel: shared and immutable.
using Frame = std::shared_ptr<const OutFrame>;

// A frame for `payload`.
inline Frame make_frame(std::string payload) { return std::make_shared<const OutFrame>(std::move(payload)); }

}  // namespace kolabpad::server::document
