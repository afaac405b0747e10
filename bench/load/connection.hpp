#pragma once
// Connection: one simulated user of one document over a WsStream: either a thin reader, which only
// counts and timestamps the History entries it receives (no OT, no text), or an author, which types
// at a set rate or flat out and runs the OT client state machine (OtClient) over its own edits.
// Everything it sees is counted into its thread's Counters.

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "doc_local.hpp"
#include "ot_client.hpp"
#include "stats.hpp"
#include "ws_stream.hpp"

namespace kolabpad::load {

// How the authors type.
enum class Mode { rate, flat_out, idle };

// What a connection does.
enum class Role {
    reader,       // counts and timestamps what it receives
    author,       // types; keeps only the document's length (see OtClient)
    text_author,  // types; keeps and checks the whole text
};

// What every connection of one thread shares (owned by the thread's Runner).
struct Shared {
    tcp::endpoint endpoint;
    std::string host;              // Host header
    Mode mode = Mode::rate;
    double rate = 2;               // keystrokes per second per author (Mode::rate)
    std::uint64_t doc_size = 500;  // code points the typing hovers around
    bool typing = false;           // typing is on (the measured window)
    bool closing = false;          // we are closing: closes are not errors
    Counters stats;
    std::uint64_t ticks_late = 0;  // rate-mode ticks that fired over a period late (the tool lagged)
    std::mt19937_64 rng;
};

// One WebSocket client of one document.
class Connection final : public WsListener {
public:
    // A client of `doc` (this thread's view of it) in role `role`, sending `client` with its edits
    // (a string unique per connection, as the browser makes one per page load); does nothing until start().
    Connection(net::io_context& ioc, Shared& shared, DocLocal& doc, Role role, std::string client);

    // Connects and handshakes; calls `done(ok)` once, when the socket is open or failed.
    void start(std::function<void(bool)> done);
    // Starts typing (per shared.mode); no effect on readers or unless open.
    void start_typing();
    // Sends a WebSocket close.
    void close();

    // True while the socket is open and no protocol error happened.
    bool healthy() const { return open_ && !failed_; }
    // The role.
    Role role() const { return role_; }
    // The document id.
    const std::string& doc_id() const { return doc_.group().id(); }
    // True when nothing is in flight or buffered (always for readers).
    bool idle() const { return !ot_.has_outstanding() && !ot_.has_buffer(); }
    // Log entries received (the revision the connection is at).
    std::uint64_t revision() const { return role_ == Role::reader ? revision_ : ot_.revision(); }
    // The author's state (text, length); empty for readers.
    const OtClient& state() const { return ot_; }
    // Why the connection failed or closed, if it did.
    const std::string& problem() const { return problem_; }

    void on_message(std::string_view data, bool text, Clock::time_point now) override;
    void on_end(std::uint16_t close_code, const std::string& error) override;

private:
    void handle_history(HistoryFrame& h, Clock::time_point now);
    void handle_author_history(HistoryFrame& h, std::size_t i, Clock::time_point now);
    void schedule_tick();
    void keystroke();
    void send_outstanding();
    void fail(const std::string& category, const std::string& detail);

    Shared& shared_;
    DocLocal& doc_;
    Role role_;
    std::string client_;
    WsStream ws_;
    std::unique_ptr<net::steady_timer> timer_;  // authors in rate mode only
    Clock::time_point next_tick_{};
    bool open_ = false;
    bool failed_ = false;
    bool has_user_ = false;
    std::uint64_t user_ = UINT64_MAX;  // from Identity
    std::uint64_t revision_ = 0;       // readers: log entries received
    std::function<void(bool)> done_;
    OtClient ot_;
    std::uint64_t next_seq_ = 1;
    std::uint64_t inflight_seq_ = 0;
    Clock::time_point inflight_sent_{};
    std::string problem_;
    std::string out_;  // the Edit frame being built (kept for its capacity)
};

}  // namespace kolabpad::load
