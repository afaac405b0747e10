// One simulated author: WebSocket I/O, typing, and the protocol handling around its OtClient.
#include "connection.hpp"

#include <nlohmann/json.hpp>

namespace kolabpad::load {

namespace {
std::uint32_t micros(Clock::duration d) {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}
}  // namespace

Connection::Connection(net::io_context& ioc, Shared& shared, DocLocal& doc, int thread, std::string client)
    : shared_(shared), doc_(doc), group_(doc.group()), index_(group_.add_client(client, thread)),
      client_(std::move(client)), ws_(ioc), timer_(ioc) {}

void Connection::start(std::function<void(bool)> done) {
    done_ = std::move(done);
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(shared_.endpoint, [this](beast::error_code ec) {
        if (ec) return on_connected(ec);
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::seconds(30);
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        ws_.set_option(t);
        ws_.read_message_max(64u << 20);
        ws_.auto_fragment(false);
        ws_.async_handshake(shared_.host, "/api/socket/" + group_.id(),
                            [this](beast::error_code ec2) { on_connected(ec2); });
    });
}

void Connection::on_connected(beast::error_code ec) {
    auto done = std::move(done_);
    if (ec) {
        ++shared_.stats.connect_failed;
        fail("connect", ec.message());
        if (done) done(false);
        return;
    }
    open_ = true;
    ++shared_.stats.connected;
    group_.set_connected(index_, true);
    ws_.text(true);
    read();
    if (done) done(true);
}

void Connection::start_typing() {
    if (!healthy() || shared_.mode == Mode::idle) return;
    if (shared_.mode == Mode::rate) {
        std::uniform_real_distribution<double> phase(0, 1);
        auto period = std::chrono::duration<double>(1.0 / shared_.rate);
        next_tick_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(period * phase(shared_.rng));
        schedule_tick();
    } else if (idle()) {
        keystroke();
    }
}

void Connection::schedule_tick() {
    timer_.expires_at(next_tick_);
    timer_.async_wait([this](beast::error_code ec) {
        if (ec || !shared_.typing || !healthy()) return;
        auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / shared_.rate));
        auto now = Clock::now();
        if (now - next_tick_ > period) {
            ++shared_.ticks_late;  // the tool fell behind; do not pile up keystrokes to catch up
            next_tick_ = now;
        }
        keystroke();
        next_tick_ += period;
        schedule_tick();
    });
}

void Connection::keystroke() {
    auto& rng = shared_.rng;
    std::uniform_real_distribution<double> u(0, 1);
    const std::uint64_t len = ot_.length();
    const bool insert = len == 0 || u(rng) < (len < shared_.doc_size ? 0.7 : 0.3);
    ot::Operation op;
    if (insert) {
        const std::uint64_t p = rng() % (len + 1);
        const double r = u(rng);
        std::string ch = r < 0.01 ? "🎉" : r < 0.03 ? "é" : r < 0.1 ? " " : r < 0.13 ? "\n"
                                                           : std::string(1, static_cast<char>('a' + rng() % 26));
        op.retain(p).insert(ch).retain(len - p);
    } else {
        const std::uint64_t p = rng() % len;
        op.retain(p).remove(1).retain(len - p - 1);
    }
    bool send_now = false;
    if (auto err = ot_.local(op, send_now)) return fail("ot", *err);
    ++shared_.stats.keystrokes;
    if (send_now) send_outstanding();
}

void Connection::send_outstanding() {
    inflight_seq_ = next_seq_++;
    inflight_sent_ = Clock::now();
    std::string f = R"({"Edit":{"revision":)" + std::to_string(ot_.revision()) + R"(,"operation":)";
    ot::append_json(f, ot_.outstanding());
    f += R"(,"client":)";
    ot::append_json_string(f, client_);
    f += R"(,"seq":)" + std::to_string(inflight_seq_) + "}}";
    group_.on_sent(index_, inflight_seq_, inflight_sent_);
    ++shared_.stats.edits_sent;
    write(std::move(f));
}

void Connection::write(std::string frame) {
    out_.push_back(std::move(frame));
    if (!writing_) do_write();
}

void Connection::do_write() {
    if (out_.empty() || !open_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    ws_.async_write(net::buffer(out_.front()), [this](beast::error_code ec, std::size_t n) {
        if (ec) {
            writing_ = false;
            if (!shared_.closing && !failed_) fail("write", ec.message());
            return;
        }
        ++shared_.stats.frames_out;
        shared_.stats.bytes_out += n;
        out_.pop_front();
        do_write();
    });
}

void Connection::read() {
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t n) { on_read(ec, n); });
}

void Connection::on_read(beast::error_code ec, std::size_t n) {
    if (ec) {
        open_ = false;
        group_.set_connected(index_, false);
        if (shared_.closing || failed_) return;
        if (ec == websocket::error::closed) return fail("close", std::to_string(ws_.reason().code));
        return fail("io", ec.message());
    }
    ++shared_.stats.frames_in;
    shared_.stats.bytes_in += n;
    auto data = buffer_.cdata();
    handle_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (open_) read();
}

void Connection::handle_frame(std::string_view frame) {
    if (frame.starts_with(R"({"History":)")) {
        std::string error;
        auto h = doc_.parse_history(frame, error);
        if (!h) return fail("protocol", error);
        return handle_history(*h);
    }
    auto j = nlohmann::json::parse(frame, nullptr, false);
    if (!j.is_object() || j.size() != 1) return fail("protocol", "frame is not a one-key object");
    const auto& [name, body] = *j.items().begin();
    if (name == "Snapshot") {
        if (!idle()) return fail("protocol", "Snapshot while an edit is in flight");
        ot_.reset(body.value("text", std::string()), body.value("revision", std::uint64_t{0}));
    } else if (name == "Rejected") {
        // Rolling an edit back is the editor's job; the load tool keeps documents far below the limit.
        fail("Rejected", body.value("code", std::string("?")));
        close();
    } else if (name == "Error") {
        fail("Error", body.value("code", std::string("?")));
    }
    // Identity, Language, UserInfo, UserCursor, OTP, Signal: nothing to do for a typist.
}

void Connection::handle_history(const ParsedHistory& h) {
    const auto now = Clock::now();
    if (!h.entries.empty() && h.start > ot_.revision()) return fail("protocol", "History skips entries");
    if (apply_composed(h, now)) return;
    for (std::size_t i = 0; i < h.entries.size() && healthy(); ++i) {
        const auto index = h.start + i;
        if (index < ot_.revision()) continue;  // already seen (overlapping resend)
        const auto& e = h.entries[i];
        if (e.sender == index_) {
            if (!e.has_seq || !ot_.has_outstanding() || e.seq != inflight_seq_)
                return fail("protocol", "own entry that is not the edit in flight");
            ++shared_.stats.acks;
            if (shared_.typing) ++shared_.stats.acks_in_window;
            shared_.stats.ack_us.push_back(micros(now - inflight_sent_));
            if (ot_.ack()) send_outstanding();
            else if (shared_.mode == Mode::flat_out && shared_.typing) keystroke();
        } else {
            if (auto err = ot_.remote(e.op)) return fail("ot", *err);
            received(index, e, now);
        }
    }
}

// A synchronized client that authored none of the frame's entries applies their composition at once
// (what applying them one by one yields); anything else goes entry by entry through the state machine.
bool Connection::apply_composed(const ParsedHistory& h, Clock::time_point now) {
    if (!h.composed || h.start != ot_.revision() || ot_.has_outstanding() || !healthy()) return false;
    for (const auto& e : h.entries)
        if (e.sender == index_) return false;
    if (auto err = ot_.remote_composed(*h.composed, h.entries.size())) return fail("ot", *err), true;
    for (std::size_t i = 0; i < h.entries.size(); ++i) received(h.start + i, h.entries[i], now);
    return true;
}

void Connection::received(std::uint64_t index, const ParsedEntry& e, Clock::time_point now) {
    ++shared_.stats.remote_entries;
    if (e.sender >= 0 && e.has_seq) doc_.on_received(index, e.sender, e.seq, now);
}

void Connection::close() {
    timer_.cancel();
    if (!open_) return;
    ws_.async_close(websocket::close_code::normal, [](beast::error_code) {});
}

void Connection::fail(const std::string& category, const std::string& detail) {
    if (failed_) return;
    failed_ = true;
    problem_ = category + " " + detail;
    ++shared_.stats.errors[problem_.substr(0, 80)];
    if (open_ && category != "close" && category != "io" && category != "Error" && category != "Rejected")
        close();
}

}  // namespace kolabpad::load
