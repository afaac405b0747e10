#pragma once
// WsStream: a minimal RFC 6455 client over one TCP socket, built so that a thousand connections cost
// the load tool little: one read fills a buffer that may hold several frames, messages are handed out
// as views into that buffer (no copy, no per-message allocation, no UTF-8 validation: the tool counts
// and checks what it needs, the browser validates), and all messages read together share one
// timestamp. Client frames are masked, pings answered, fragments reassembled, sizes bounded.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace kolabpad::load {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Receives what a WsStream reads; called on the stream's io_context thread.
class WsListener {
public:
    virtual ~WsListener() = default;
    // One whole text (or binary, `text` false) message; `data` is valid only during the call.
    // All messages from one read share `now`.
    virtual void on_message(std::string_view data, bool text, Clock::time_point now) = 0;
    // The stream ended: `close_code` is the peer's close code (0 when the socket ended without a close
    // frame), `error` says why when it was not a clean close. Called once; nothing is read afterwards.
    virtual void on_end(std::uint16_t close_code, const std::string& error) = 0;
};

// One client WebSocket connection.
class WsStream {
public:
    // Largest message accepted (and largest handshake response: 16 KiB).
    static constexpr std::size_t max_message = 64u << 20;

    explicit WsStream(net::io_context& ioc);

    // Connects to `endpoint`, sends the upgrade request for `target` with `host`, and checks the answer
    // is 101; calls `done("")` on success or `done(reason)` on failure (within 30 s).
    void open(const tcp::endpoint& endpoint, const std::string& host, const std::string& target,
              std::function<void(const std::string&)> done);
    // Starts delivering messages to `listener` (after a successful open).
    void read(WsListener& listener);
    // Queues one text message (masked); writes are coalesced while one is in flight.
    void send_text(std::string_view payload);
    // Sends a close frame with `code` (once); the stream ends when the peer answers or the socket ends.
    void close(std::uint16_t code = 1000);
    // True between a successful open and the end of the stream.
    bool is_open() const { return open_; }
    // Messages queued by send_text and fully written so far, and their wire bytes.
    std::uint64_t frames_written() const { return frames_written_; }
    std::uint64_t bytes_written() const { return bytes_written_; }
    // Wire bytes read so far.
    std::uint64_t bytes_read() const { return bytes_read_; }

private:
    void on_handshake_read(std::size_t n);
    void read_more();
    void on_read(const boost::system::error_code& ec, std::size_t n);  // the read failed
    // Parses and delivers the complete frames in the buffer; false when the stream ended.
    bool drain(Clock::time_point now);
    void write_frame(std::uint8_t opcode, std::string_view payload);
    void flush();
    void end(std::uint16_t code, const std::string& error);
    void ensure_room(std::size_t need);

    tcp::socket socket_;
    net::steady_timer timer_;  // the open's deadline only
    std::function<void(const std::string&)> done_;
    WsListener* listener_ = nullptr;
    std::unique_ptr<char[]> buf_;
    std::size_t cap_ = 0, begin_ = 0, end_ = 0;
    std::size_t read_free_ = 0;  // free space to offer each read (grows when reads fill it)
    std::string fragments_;  // a fragmented message being reassembled
    bool fragmented_ = false, fragments_text_ = false;
    std::string out_, writing_buf_;  // queued frames; frames being written
    bool writing_ = false;
    bool open_ = false, close_sent_ = false, ended_ = false;
    std::uint16_t peer_close_ = 0;
    std::uint64_t frames_queued_ = 0, frames_in_flight_ = 0, frames_written_ = 0;
    std::uint64_t bytes_written_ = 0, bytes_read_ = 0;
    std::uint64_t mask_state_;
};

}  // namespace kolabpad::load
