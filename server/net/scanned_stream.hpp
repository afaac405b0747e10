#pragma once
// ScannedStream: a tcp_stream whose incoming bytes pass through a FrameScanner before the WebSocket
// layer sees them. Writes, teardown and timeouts go to the tcp_stream unchanged.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>

#include "net/beast.hpp"
#include "net/frame_scanner.hpp"

namespace kolabpad::server::net {

// The stream under the server's websocket::stream.
class ScannedStream {
public:
    using executor_type = beast::tcp_stream::executor_type;
    using next_layer_type = beast::tcp_stream;

    // Wraps an accepted connection.
    explicit ScannedStream(beast::tcp_stream s) : next_(std::move(s)) {}

    // The executor of the connection (a strand).
    executor_type get_executor() noexcept { return next_.get_executor(); }
    // The wrapped tcp_stream.
    beast::tcp_stream& next_layer() noexcept { return next_; }
    // The scanner that sees every incoming byte.
    FrameScanner& scanner() noexcept { return scanner_; }

    // Reads from the connection, then lets the scanner see (and rewrite) the bytes read.
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
                auto ex = asio::get_associated_executor(handler, next_.get_executor());
                next_.async_read_some(
                    b, asio::bind_executor(ex, [this, b, h = std::move(handler)](beast::error_code ec,
                                                                                 std::size_t n) mutable {
                        std::size_t left = n;
                        for (auto it = asio::buffer_sequence_begin(b); left > 0 && it != asio::buffer_sequence_end(b);
                             ++it) {
                            asio::mutable_buffer mb = *it;
                            const std::size_t k = std::min(left, mb.size());
                            scanner_.scan(static_cast<unsigned char*>(mb.data()), k);
                            left -= k;
                        }
                        std::move(h)(ec, n);
                    }));
            },
            token, buffers);
    }

    // Writes go straight to the connection.
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return next_.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    beast::tcp_stream next_;
    FrameScanner scanner_;
};

// Closing handshake teardown, found by Beast through argument-dependent lookup.
template <class Handler>
void async_teardown(beast::role_type role, ScannedStream& s, Handler&& handler) {
    using boost::beast::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

// Synchronous teardown (unused by the server, required by Beast's interface).
inline void teardown(beast::role_type role, ScannedStream& s, beast::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, s.next_layer().socket(), ec);
}

}  // namespace kolabpad::server::net
