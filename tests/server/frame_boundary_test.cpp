// Following Boost.Beast's outgoing frames byte by byte (net/frame_boundary.hpp), and the header
// every shared frame carries (document/frame.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "document/frame.hpp"
#include "net/frame_boundary.hpp"

using kolabpad::server::document::make_frame;
using kolabpad::server::net::FrameBoundary;

namespace {

// The wire bytes of a frame: header then payload.
std::string wire(const std::string& payload) {
    auto f = make_frame(payload);
    return std::string(f->header()) + f->payload();
}

void feed(FrameBoundary& b, const std::string& bytes) {
    b.consume(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace

TEST_CASE("a shared frame's header is the RFC 6455 header of an unmasked final text frame") {
    CHECK(make_frame("")->header() == std::string("\x81\x00", 2));
    CHECK(make_frame(std::string(125, 'a'))->header() == std::string("\x81\x7d", 2));
    CHECK(make_frame(std::string(126, 'a'))->header() == std::string("\x81\x7e\x00\x7e", 4));
    CHECK(make_frame(std::string(65535, 'a'))->header() == std::string("\x81\x7e\xff\xff", 4));
    CHECK(make_frame(std::string(65536, 'a'))->header() == std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
    CHECK(make_frame("{}")->wire_size() == 4);
}

TEST_CASE("the boundary is found after whole frames of every length form, however the bytes are split") {
    const std::string stream = wire("") + wire(std::string(125, 'p')) + wire(std::string(300, 'q')) +
                               wire(std::string(70000, 'r')) + std::string("\x88\x02\x03\xe8", 4);  // a close frame
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u, 100000u}) {
        INFO("chunk " << chunk);
        FrameBoundary b;
        CHECK(b.at_boundary());
        std::size_t boundaries = 0;
        for (std::size_t i = 0; i < stream.size(); i += chunk) {
            feed(b, stream.substr(i, chunk));
            boundaries += b.at_boundary() ? 1 : 0;
        }
        CHECK(b.at_boundary());
        CHECK(boundaries >= 1);
    }
}

TEST_CASE("inside a header or a payload there is no boundary") {
    FrameBoundary b;
    const std::string f = wire(std::string(200, 'x'));
    feed(b, f.substr(0, 1));
    CHECK_FALSE(b.at_boundary());
    feed(b, f.substr(1, 2));
    CHECK_FALSE(b.at_boundary());  // extended length not complete
    feed(b, f.substr(3, 100));
    CHECK_FALSE(b.at_boundary());  // payload half written
    feed(b, f.substr(103));
    CHECK(b.at_boundary());
    // A masked frame (what a client would send) counts its 4 mask bytes too.
    feed(b, std::string("\x89\x81\x01\x02\x03\x04", 6));
    CHECK_FALSE(b.at_boundary());
    feed(b, "z");
    CHECK(b.at_boundary());
}
