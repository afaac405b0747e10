// The frame scanner sees the client's raw WebSocket bytes: text frames are relabelled binary (so the
// server, not Beast, answers invalid UTF-8), message kinds are remembered and declared lengths reported.
#include <vector>

#include "helpers.hpp"
#include "net/frame_scanner.hpp"

using kolabpad::server::net::FrameScanner;

namespace {

// A masked client frame with `opcode` and `payload_len` payload bytes (all zero).
std::vector<unsigned char> frame(unsigned opcode, std::uint64_t payload_len, bool fin = true) {
    std::vector<unsigned char> f;
    f.push_back(static_cast<unsigned char>((fin ? 0x80 : 0) | opcode));
    if (payload_len < 126) {
        f.push_back(static_cast<unsigned char>(0x80 | payload_len));
    } else if (payload_len < 65536) {
        f.push_back(0x80 | 126);
        f.push_back(static_cast<unsigned char>(payload_len >> 8));
        f.push_back(static_cast<unsigned char>(payload_len));
    } else {
        f.push_back(0x80 | 127);
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<unsigned char>(payload_len >> (8 * i)));
    }
    for (int i = 0; i < 4; ++i) f.push_back(0x11);
    f.resize(f.size() + payload_len, 0);
    return f;
}

}  // namespace

TEST_CASE("text frames are relabelled binary and remembered as text") {
    FrameScanner s;
    auto bytes = frame(1, 5);
    auto bin = frame(2, 3);
    bytes.insert(bytes.end(), bin.begin(), bin.end());
    s.scan(bytes.data(), bytes.size());
    CHECK((bytes[0] & 0x0F) == 2);
    CHECK(s.take_message_kind_is_text());
    CHECK_FALSE(s.take_message_kind_is_text());
}

TEST_CASE("frames split at every byte boundary are followed exactly") {
    FrameScanner s;
    std::vector<std::uint64_t> lengths;
    s.on_data_header = [&](std::uint64_t n) { lengths.push_back(n); };
    std::vector<unsigned char> bytes;
    for (auto f : {frame(1, 0), frame(9, 4), frame(1, 300), frame(2, 70000), frame(1, 2, false), frame(0, 7)}) {
        bytes.insert(bytes.end(), f.begin(), f.end());
    }
    for (std::size_t i = 0; i < bytes.size(); ++i) s.scan(&bytes[i], 1);  // one byte at a time
    CHECK(lengths == std::vector<std::uint64_t>{0, 300, 70000, 2, 7});     // the ping is not data
    CHECK(s.take_message_kind_is_text());
    CHECK(s.take_message_kind_is_text());
    CHECK_FALSE(s.take_message_kind_is_text());
    CHECK(s.take_message_kind_is_text());  // the fragmented message started as text
}

TEST_CASE("a huge declared length is reported from the header alone") {
    FrameScanner s;
    std::uint64_t seen = 0;
    s.on_data_header = [&](std::uint64_t n) { seen = n; };
    unsigned char header[] = {0x81, 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4};
    s.scan(header, sizeof header);
    CHECK(seen == (std::uint64_t{1} << 40));
}
