#pragma once
// FrameScanner: watches the raw bytes of incoming WebSocket frames (client to server) before
// Boost.Beast parses them. It relabels text frames as binary so that Beast does not fail the
// connection on invalid UTF-8 by itself (the server then answers with its own Error frame), remembers
// which messages really were text, and reports declared frame lengths as soon as a header arrives.

#include <cstdint>
#include <deque>
#include <functional>

namespace kolabpad::server::net {

// A byte-level state machine over the client's frame stream.
class FrameScanner {
public:
    // Called with the payload length of every data frame header, as soon as the header is complete.
    std::function<void(std::uint64_t)> on_data_header;

    // Scans (and rewrites in place) the next `n` bytes of the stream.
    void scan(unsigned char* p, std::size_t n) {
        for (std::size_t i = 0; i < n;) {
            if (!in_header_) {
                const std::uint64_t take = std::min<std::uint64_t>(remaining_, n - i);
                remaining_ -= take;
                i += static_cast<std::size_t>(take);
                if (remaining_ == 0) start_header();
                continue;
            }
            unsigned char b = p[i];
            if (have_ == 0) {
                const unsigned opcode = b & 0x0F;
                data_frame_ = opcode < 8;
                if (opcode == 1) {
                    p[i] = static_cast<unsigned char>((b & 0xF0) | 2);  // text -> binary
                    kinds_.push_back(true);
                } else if (opcode == 2) {
                    kinds_.push_back(false);
                }
            }
            header_[have_++] = b;
            ++i;
            if (have_ == 2) {
                const unsigned len7 = header_[1] & 0x7F;
                need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header_[1] & 0x80) ? 4 : 0);
            }
            if (have_ >= 2 && have_ == need_) {
                const unsigned len7 = header_[1] & 0x7F;
                std::uint64_t len = len7;
                if (len7 >= 126) {
                    const unsigned bytes = len7 == 126 ? 2 : 8;
                    len = 0;
                    for (unsigned k = 0; k < bytes; ++k) len = (len << 8) | header_[2 + k];
                }
                if (data_frame_ && on_data_header) on_data_header(len);
                remaining_ = len;
                in_header_ = false;
                if (remaining_ == 0) start_header();
            }
        }
    }

    // Whether the oldest message not yet taken was a text message; call once per complete message.
    bool take_message_kind_is_text() {
        if (kinds_.empty()) return false;
        const bool text = kinds_.front();
        kinds_.pop_front();
        return text;
    }

private:
    void start_header() {
        in_header_ = true;
        have_ = 0;
        need_ = 2;
    }

    bool in_header_ = true;
    bool data_frame_ = false;
    unsigned char header_[14] = {};
    unsigned have_ = 0;
    unsigned need_ = 2;
    std::uint64_t remaining_ = 0;
    std::deque<bool> kinds_;
};

}  // namespace kolabpad::server::net
