// One simulated user: protocol handling around a WsStream, typing, and the OtClient of an author.
#include "connection.hpp"

#include <nlohmann/json.hpp>

namespace kolabpad::load {

namespace {
std::uint32_t micros(Clock::duration d) {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}
constexpr std::uint64_t no_user = UINT64_MAX;
}  // namespace

Connection::Connection(net::io_context& ioc, Shared& shared, DocLocal& doc, Role role, std::string client)
    : shared_(shared), doc_(doc), role_(role), client_(std::move(client)), ws_(ioc),
      ot_(role == Role::text_author) {
    if (role != Role::reader && shared.mode == Mode::rate) timer_ = std::make_unique<net::steady_timer>(ioc);
}

void Connection::start(std::function<void(bool)> done) {
    done_ = std::move(done);
    ws_.open(shared_.endpoint, shared_.host, "/api/socket/" + doc_id(), [this](const std::string& error) {
        auto done = std::move(done_);
        if (!error.empty()) {
            ++shared_.stats.connect_failed;
            fail("connect", error);
            if (done) done(false);
            return;
        }
        open_ = true;
        ++shared_.stats.connected;
        doc_.add_connected(+1);
        ws_.read(*this);
        if (done) done(true);
    });
}

void Connection::start_typing() {
    if (!healthy() || role_ == Role::reader || shared_.mode == Mode::idle) return;
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
    timer_->expires_at(next_tick_);
    timer_->async_wait([this](const boost::system::error_code& ec) {
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
    out_.clear();
    out_ += R"({"Edit":{"revision":)";
    out_ += std::to_string(ot_.revision());
    out_ += R"(,"operation":)";
    ot::append_json(out_, ot_.outstanding());
    out_ += R"(,"client":)";
    ot::append_json_string(out_, client_);
    out_ += R"(,"seq":)";
    out_ += std::to_string(inflight_seq_);
    out_ += "}}";
    doc_.group().on_sent(user_, inflight_seq_, doc_.thread(), inflight_sent_);
    ++shared_.stats.edits_sent;
    ++shared_.stats.frames_out;
    shared_.stats.bytes_out += out_.size();
    ws_.send_text(out_);
}

void Connection::on_message(std::string_view data, bool text, Clock::time_point now) {
    auto& st = shared_.stats;
    ++st.frames_in;
    st.bytes_in += data.size();
    if (shared_.typing) ++st.frames_in_window;
    if (failed_) return;
    if (!text) return fail("protocol", "binary frame");
    if (data.starts_with(R"({"History":)")) {
        if (!has_user_) return fail("protocol", "History before Identity");
        std::string error;
        auto h = doc_.history(data, error);
        if (!h) return fail("protocol", error);
        if (shared_.typing) {
            ++st.history_frames_in_window;
            st.entries_in_window += h->scan().entries.size();
        }
        return handle_history(*h, now);
    }
    if (data.starts_with(R"({"Identity":)")) {
        std::uint64_t id = 0;
        std::size_t i = 12, digits = 0;
        for (; i < data.size() && data[i] >= '0' && data[i] <= '9' && digits < 19; ++i, ++digits)
            id = id * 10 + static_cast<std::uint64_t>(data[i] - '0');
        if (digits == 0 || data.substr(i) != "}" || has_user_) return fail("protocol", "bad Identity");
        user_ = id;
        has_user_ = true;
        doc_.set_local_user(user_, true);
        return;
    }
    for (const char* ignored : {R"({"UserInfo":)", R"({"UserCursor":)", R"({"Language":)", R"({"LanguageBy":)"})
        if (data.starts_with(ignored)) return;  // a typist or reader has nothing to do with them
    auto j = nlohmann::json::parse(data, nullptr, false);
    if (!j.is_object() || j.size() != 1) return fail("protocol", "frame is not a one-key object");
    const auto& [name, body] = *j.items().begin();
    if (name == "Snapshot") {
        if (!idle()) return fail("protocol", "Snapshot while an edit is in flight");
        const auto revision = body.value("revision", std::uint64_t{0});
        if (role_ == Role::reader) revision_ = revision;
        else ot_.reset(body.value("text", std::string()), revision);
    } else if (name == "Rejected") {
        // Rolling an edit back is the editor's job; the load tool keeps documents far below the limit.
        fail("Rejected", body.value("code", std::string("?")));
        close();
    } else if (name == "Error") {
        fail("Error", body.value("code", std::string("?")));
    }
    // OTP, Signal and anything newer: nothing to do.
}

void Connection::handle_history(HistoryFrame& h, Clock::time_point now) {
    const auto& s = h.scan();
    const std::uint64_t rev = revision();
    const std::size_t n = s.entries.size();
    if (s.start > rev) return fail("protocol", "History skips entries");
    const std::size_t i = static_cast<std::size_t>(std::min<std::uint64_t>(rev - s.start, n));
    if (i == n) return;  // nothing new (an overlapping resend)
    if (role_ == Role::reader) {
        doc_.on_received(s, i, n, no_user, now);
        shared_.stats.remote_entries += n - i;
        revision_ = s.start + n;
        return;
    }
    handle_author_history(h, i, now);
}

// The ot.js client over entries [i, n): our own entry acknowledges the edit in flight, every other
// entry is transformed against what we have outstanding. A synchronized client takes the rest of the
// frame at once: a text author applies the frame's composition (what applying the entries one by one
// yields), a length author checks the lengths.
void Connection::handle_author_history(HistoryFrame& h, std::size_t i, Clock::time_point now) {
    std::string error;
    const auto* ops = h.operations(error);
    if (!ops) return fail("protocol", error);
    const auto& s = h.scan();
    const std::size_t n = s.entries.size();
    auto& st = shared_.stats;
    while (i < n && healthy()) {
        if (!ot_.has_outstanding()) {
            for (std::size_t j = i; j < n; ++j)
                if (s.entries[j].user == user_) return fail("protocol", "own entry while nothing is in flight");
            std::optional<std::string> err;
            if (!ot_.keeps_text()) {
                if (!h.chained()) return fail("protocol", "History entries do not chain");
                err = ot_.remote_lengths((*ops)[i].base_len(), (*ops)[n - 1].target_len(), n - i);
            } else if (i == 0 && n >= 2 && h.composition()) {
                err = ot_.remote_composed(*h.composition(), n);
            } else {
                for (std::size_t j = i; j < n && !err; ++j) err = ot_.remote((*ops)[j]);
            }
            if (err) return fail("ot", *err);
            doc_.on_received(s, i, n, user_, now);
            st.remote_entries += n - i;
            return;
        }
        const auto& e = s.entries[i];
        if (e.user == user_) {
            if (e.has_seq && e.seq != inflight_seq_) return fail("protocol", "own entry that is not the edit in flight");
            ++st.acks;
            if (shared_.typing) ++st.acks_in_window;
            st.ack_us.push_back(micros(now - inflight_sent_));
            if (ot_.ack()) send_outstanding();
            else if (shared_.mode == Mode::flat_out && shared_.typing) keystroke();
        } else {
            if (auto err = ot_.remote((*ops)[i])) return fail("ot", *err);
            doc_.on_received(s, i, i + 1, user_, now);
            ++st.remote_entries;
        }
        ++i;
    }
}

void Connection::on_end(std::uint16_t close_code, const std::string& error) {
    const bool was_open = open_;
    open_ = false;
    if (was_open) {
        doc_.add_connected(-1);
        if (has_user_) doc_.set_local_user(user_, false);
    }
    if (timer_) timer_->cancel();
    if (shared_.closing || failed_) return;
    if (error.empty()) fail("close", std::to_string(close_code));
    else fail("io", error);
}

void Connection::close() {
    if (timer_) timer_->cancel();
    ws_.close(1000);
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
