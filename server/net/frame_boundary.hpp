#pragma once
// FrameBoundary: follows the WebSocket frames in a stream of outgoing bytes (header, then as many
// payload bytes as the header declares) and tells whether the bytes seen so far end exactly at a
// frame's end. The server's prebuilt frames may only be written to the socket there, never
// inside one of Boost.Beast's own frames (pong, ping, close). Free of Boost (unit-tested).

#include <cstddef>
#include <cstdint>

namespace kolabpad::server::net {

// A byte-level state machine over one direction of a WebSocket connection.
class FrameBoundary {
public:
    // Accounts for the next `n` bytes written.
    void consume(const unsigned char* p, std::size_t n) {
        std::size_t i = 0;
        while (i < n) {
            if (remaining_ > 0) {
                const std::uint64_t take = remaining_ < n - i ? remaining_ : n - i;
                remaining_ -= take;
                i += static_cast<std::size_t>(take);
                continue;
            }
            header_[have_++] = p[i++];
            if (have_ == 2) need_ = 2 + ext_bytes() + ((header_[1] & 0x80) ? 4 : 0);
            if (have_ >= 2 && have_ == need_) {
                remaining_ = payload_length();
                have_ = 0;
                need_ = 2;
            }
        }
    }
    // True when the bytes consumed so far end at a frame's end (or none were consumed).
    bool at_boundary() const { return have_ == 0 && remaining_ == 0; }

private:
    unsigned ext_bytes() const {
        const unsigned len7 = header_[1] & 0x7F;
        return len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    }
    std::uint64_t payload_length() const {
        const unsigned len7 = header_[1] & 0x7F;
        if (len7 < 126) return len7;
        std::uint64_t len = 0;
        for (unsigned k = 0; k < ext_bytes(); ++k) len = (len << 8) | header_[2 + k];
        return len;
    }

    unsigned char header_[14] = {};
    unsigned have_ = 0;
    unsigned need_ = 2;
    std::uint64_t remaining_ = 0;
};

}  // namespace kolabpad::server::net
