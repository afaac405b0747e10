#pragma once
// Connection: one simulated author: a Beast WebSocket to /api/socket/{doc} driving an OtClient,
// typing at a set rate or flat out, and counting everything it sees into its thread's Counters.

#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "doc_local.hpp"
#include "ot_client.hpp"
#include "stats.hpp"

namespace kolabpad::load {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

// How the clients type.
enum class Mode { rate, flat_out, idle };

// What every connection of one thread shares (owned by the thread's Runner).
struct Shared {
    tcp::endpoint endpoint;
    std::string host;              // Host header
    Mode mode = Mode::rate;
    double rate = 2;               // keystrokes per second per client (Mode::rate)
    std::uint64_t doc_size = 500;  // code points the typing hovers around
    bool typing = false;           // typing is on (the measured window)
    bool closing = false;          // we are closing: closes are not errors
    Counters stats;
    std::uint64_t ticks_late = 0;  // rate-mode ticks that fired over a period late (the tool lagged)
    std::mt19937_64 rng;
};

// One WebSocket client of one document.
class Connection {
public:
    // A client of `doc` (this thread's view of it) registered under the `client` string, running on
    // thread `thread`; does nothing until start().
    Connection(net::io_context& ioc, Shared& shared, DocLocal& doc, int thread, std::string client);

    // Connects and handshakes; calls `done(ok)` once, when the socket is open or failed.
    void start(std::function<void(bool)> done);
    // Starts typing (per shared.mode); no effect unless open.
    void start_typing();
    // Sends a WebSocket close.
    void close();

    // True while the socket is open and no protocol error happened.
    bool healthy() const { return open_ && !failed_; }
    // The document id.
    const std::string& doc_id() const { return group_.id(); }
    // True when nothing is in flight or buffered.
    bool idle() const { return !ot_.has_outstanding() && !ot_.has_buffer(); }
    // The client's state (text, revision).
    const OtClient& state() const { return ot_; }
    // Why the connection failed or closed, if it did.
    const std::string& problem() const { return problem_; }

private:
    void on_connected(beast::error_code ec);
    void read();
    void on_read(beast::error_code ec, std::size_t n);
    void handle_frame(std::string_view frame);
    void handle_history(const ParsedHistory& h);
    bool apply_composed(const ParsedHistory& h, Clock::time_point now);
    void received(std::uint64_t index, const ParsedEntry& e, Clock::time_point now);
    void schedule_tick();
    void keystroke();
    void send_outstanding();
    void write(std::string frame);
    void do_write();
    void fail(const std::string& category, const std::string& detail);

    Shared& shared_;
    DocLocal& doc_;
    DocGroup& group_;
    int index_;
    std::string client_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    net::steady_timer timer_;
    Clock::time_point next_tick_{};
    std::deque<std::string> out_;
    bool writing_ = false;
    bool open_ = false;
    bool failed_ = false;
    std::function<void(bool)> done_;
    OtClient ot_;
    std::uint64_t next_seq_ = 1;
    std::uint64_t inflight_seq_ = 0;
    Clock::time_point inflight_sent_{};
    std::string problem_;
};

}  // namespace kolabpad::load
