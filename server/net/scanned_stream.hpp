#pragma once
// ScannedStream: a tcp_stream whose incoming bytes pass through a FrameScanner before the WebSocket
// layer sees them, and whose outgoing bytes come from two writers: Boost.Beast (the handshake, and
// its pongs, pings and close frame) and the session, which writes its prebuilt frames (header and
// payload, shared by every connection) in one gather write without Beast framing them again. The
// two are never interleaved inside a frame: while one writes, the other waits. Teardown and
// timeouts go to the tcp_stream unchanged.

#include <memory>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/write.hpp>

#include "net/beast.hpp"
#include "net/frame_boundary.hpp"
#include "net/frame_scanner.hpp"

namespace kolabpad::server::net {

// The stream under the server's websocket::stream.
class ScannedStream {
public:
    using executor_type = beast::tcp_stream::executor_type;
    using next_layer_type = beast::tcp_stream;

    // Wraps an accepted connection.
    explicit ScannedStream(beast::tcp_stream s) : next_(std::move(s)) {}

    // The executor of the connection (its network thread's io_context).
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

    // Beast's writes: straight to the connection, unless the session's frames are being written,
    // then right after them.
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
                auto start = [this, b, h = std::move(handler)]() mutable { beast_write(b, std::move(h)); };
                if (frames_busy_) beast_waiting_ = Task::of(std::move(start));
                else start();
            },
            token, buffers);
    }

    // From now on Beast writes WebSocket frames (call once the handshake's answer is written).
    // The socket turns non-blocking for write_frames_now(); Asio's own operations are unaffected.
    void handshake_done() {
        framing_ = true;
        beast::error_code ignored;
        next_.socket().non_blocking(true, ignored);
    }

    // Writes what the socket takes of `buffers` at once, without waiting, when nothing else is
    // being written and Beast's output is at a frame boundary; returns the bytes written (0 when it
    // could not write now). `ec` is set only on a real error.
    template <class ConstBuffers>
    std::size_t write_frames_now(const ConstBuffers& buffers, beast::error_code& ec) {
        ec = {};
        if (beast_busy_ || frames_busy_ || !beast_out_.at_boundary() || !framing_) return 0;
        const std::size_t n = next_.socket().write_some(buffers, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            ec = {};
            return 0;
        }
        return ec ? 0 : n;
    }

    // Writes `buffers` (whole frames, kept alive by the caller until `handler` runs) completely,
    // at a frame boundary of Beast's output, then calls handler(error, bytes). One write at a time.
    template <class ConstBuffers, class Handler>
    void async_write_frames(const ConstBuffers& buffers, Handler handler) {
        auto start = [this, buffers, h = std::move(handler)]() mutable {
            frames_busy_ = true;
            asio::async_write(next_, buffers, [this, h = std::move(h)](beast::error_code ec, std::size_t n) mutable {
                frames_busy_ = false;
                if (beast_waiting_) std::exchange(beast_waiting_, {}).run();
                std::move(h)(ec, n);
            });
        };
        if (beast_busy_ || !beast_out_.at_boundary()) frames_waiting_ = Task::of(std::move(start));
        else start();
    }

private:
    // A deferred start of a write: move-only, run once.
    class Task {
    public:
        template <class F>
        static Task of(F f) {
            Task t;
            t.impl_ = std::make_unique<Impl<F>>(std::move(f));
            return t;
        }
        explicit operator bool() const { return impl_ != nullptr; }
        void run() { impl_->run(); }

    private:
        struct Base {
            virtual ~Base() = default;
            virtual void run() = 0;
        };
        template <class F>
        struct Impl final : Base {
            explicit Impl(F f) : f(std::move(f)) {}
            void run() override { f(); }
            F f;
        };
        std::unique_ptr<Base> impl_;
    };

    template <class ConstBuffers, class Handler>
    void beast_write(const ConstBuffers& b, Handler h) {
        beast_busy_ = true;
        auto ex = asio::get_associated_executor(h, next_.get_executor());
        next_.async_write_some(b, asio::bind_executor(ex, [this, b, h = std::move(h)](beast::error_code ec,
                                                                                      std::size_t n) mutable {
            beast_busy_ = false;
            if (framing_) {
                std::size_t left = n;
                for (auto it = asio::buffer_sequence_begin(b); left > 0 && it != asio::buffer_sequence_end(b); ++it) {
                    asio::const_buffer cb = *it;
                    const std::size_t k = std::min(left, cb.size());
                    beast_out_.consume(static_cast<const unsigned char*>(cb.data()), k);
                    left -= k;
                }
            }
            // The session's frames go first if Beast finished a frame; Beast's next write waits.
            if (frames_waiting_ && beast_out_.at_boundary()) std::exchange(frames_waiting_, {}).run();
            std::move(h)(ec, n);
        }));
    }

    beast::tcp_stream next_;
    FrameScanner scanner_;
    FrameBoundary beast_out_;   // Beast's outgoing frames, after the handshake
    bool framing_ = false;      // the handshake's answer is written
    bool beast_busy_ = false;   // a write of Beast's is on the socket
    bool frames_busy_ = false;  // a write of the session's frames is on the socket
    Task beast_waiting_;        // Beast's write, waiting for the session's frames
    Task frames_waiting_;       // the session's frames, waiting for Beast to finish a frame
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
