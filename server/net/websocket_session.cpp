#include "net/websocket_session.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "cluster/cluster.hpp"
#include "document/peer.hpp"
#include "net/delivery_hub.hpp"
#include "kolabpad/ot/utf8.hpp"
#include "net/routes.hpp"
#include "net/scanned_stream.hpp"
#include "net/send_queue.hpp"
#include "net/token_bucket.hpp"
#include "net/watchdog.hpp"
#include "log/log.hpp"
#include "protocol/messages.hpp"
#include "session/frame_handler.hpp"

namespace kolabpad::server::net {
namespace {

using document::Frame;
using Seconds = std::chrono::duration<double>;

constexpr std::uint16_t close_normal_going_away = 1001;
constexpr std::uint16_t close_unsupported = 1003;
constexpr std::uint16_t close_policy = 1008;
constexpr std::uint16_t close_too_big = 1009;
constexpr std::uint16_t close_internal = 1011;
constexpr std::uint16_t close_try_later = 1013;
constexpr std::size_t read_chunk = 64 * 1024;
// Frames per gather write: 64 buffers, as many as Asio hands to one writev.
constexpr std::size_t max_gather_frames = 32;

std::chrono::steady_clock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(Seconds(seconds));
}

// One WebSocket connection. All of its own state lives on its network thread (the one thread that
// runs its io_context); deliver() and close() may be called from any thread and hop onto it.
class Session final : public document::Peer, public Drainable, public std::enable_shared_from_this<Session> {
public:
    Session(beast::tcp_stream stream, Context& ctx, std::string id, std::optional<std::uint64_t> resume,
            ConnectionLimit::Slot slot, Grant grant)
        : slot_(std::move(slot)),
          ws_(ScannedStream(std::move(stream))),
          ctx_(ctx),
          id_(std::move(id)),
          resume_(resume),
          read_watch_(ws_.get_executor(), to_duration(ctx.config.ws_read_timeout_seconds),
                      [this] { return !close_requested_ && !finished_; }, [this] { on_read_timeout(); }),
          pause_timer_(ws_.get_executor()),
          write_watch_(ws_.get_executor(), to_duration(ctx.config.ws_write_timeout_seconds),
                       [this] { return !finished_ && (writing_ || close_started_); }, [this] { on_write_timeout(); }),
          flush_timer_(ws_.get_executor()),
          rate_(ctx.config.rate_limit_per_second, ctx.config.rate_limit_burst),
          hub_(DeliveryHub::of(ws_.get_executor())),
          grant_(std::move(grant)),
          expiry_timer_(ws_.get_executor()) {
        permissions_.read_only = grant_.read_only();
        permissions_.tokens_only = grant_.tokens_only;
        if (grant_.admission == Admission::token) permissions_.name = grant_.name;
        ++ctx_.metrics.connections;
    }
    ~Session() override {
        --ctx_.metrics.connections;
        ctx_.metrics.send_queue_bytes -= static_cast<std::int64_t>(queued_bytes_.load());
    }

    void run(Request req) {
        websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::seconds(10);
        const double hb = ctx_.config.ws_heartbeat_seconds;
        // Beast pings after half the idle time and drops the connection after the whole of it.
        t.idle_timeout = hb > 0 ? to_duration(2 * hb) : websocket::stream_base::none();
        t.keep_alive_pings = hb > 0;
        ws_.set_option(t);
        ws_.read_message_max(0);  // limits are checked here so that the client gets an Error first
        ws_.next_layer().scanner().on_data_header = [this](std::uint64_t len) {
            // Refuse an oversized frame at its header, before any of its payload is buffered.
            if (len > ctx_.config.max_message_bytes && !stopped_reading_) {
                asio::post(ws_.get_executor(), [self = shared_from_this()] { self->too_large(); });
            }
        };
        // Any frame from the client, pongs included, shows it is there.
        ws_.control_callback([this](websocket::frame_type, beast::string_view) { read_watch_.touch(); });
        const auto host = req[http::field::host];
        ws_.set_option(websocket::stream_base::decorator([host = std::string(host.data(), host.size())](websocket::response_type& res) {
            res.set(http::field::server, "kolabpad");
            set_security_headers(res, host);
        }));
        beast::get_lowest_layer(ws_).expires_never();
        ws_.async_accept(req, beast::bind_front_handler(&Session::on_accept, shared_from_this()));
    }

    void deliver(Frame frame) override { deliver_item(Item{std::move(frame), {}, 0, 0}, false); }

    void deliver_history(Frame frame, std::uint64_t start, std::uint64_t count, bool own) override {
        deliver_item(Item{std::move(frame), {}, start, count}, own);
    }

    document::PeerAccess access() const override {
        return document::PeerAccess{grant_.read_only(), grant_.admission == Admission::view_link,
                                    admission_name(grant_.admission)};
    }

    void close(std::uint16_t code, std::string_view reason) override {
        asio::post(ws_.get_executor(),
                   [self = shared_from_this(), code, r = std::string(reason)] { self->close_after_queue(code, r); });
    }

    // A verdict that came later than its message (an edit sequenced by another instance).
    void refuse(std::string_view code, std::string_view message, std::uint16_t close_code) override {
        asio::post(ws_.get_executor(), [self = shared_from_this(), c = std::string(code), m = std::string(message), close_code] {
            if (!self->stopped_reading_ && !self->close_requested_) self->fail(c, m, close_code);
        });
    }

private:
    using Item = QueuedFrame;

    void add_queued(std::int64_t delta) {
        queued_bytes_ += static_cast<std::uint64_t>(delta);
        ctx_.metrics.send_queue_bytes += delta;
    }

    // Frames reach the connection's thread through an inbox: only the first frame into an empty
    // inbox wakes it, through the thread's DeliveryHub, which wakes the thread once for every
    // connection that got frames in the same burst.
    void deliver_item(Item item, bool urgent) {
        const auto size = static_cast<std::int64_t>(item.frame->size());
        const std::uint64_t total = queued_bytes_.load() + static_cast<std::uint64_t>(size);
        if (total > ctx_.config.ws_send_queue_limit_bytes) {
            if (!overflowed_.exchange(true)) {
                asio::post(ws_.get_executor(), [self = shared_from_this()] { self->on_overflow(); });
            }
            return;
        }
        add_queued(size);
        item.queued = std::chrono::steady_clock::now();
        // The connect sequence (Identity, History...) is never held back.
        const bool now = urgent || !greeted_.load(std::memory_order_relaxed);
        if (inbox_.push(std::move(item), now)) hub_.wake(shared_from_this());
    }

    void on_accept(beast::error_code ec) {
        if (ec) {
            log::debug("websocket accept failed", {{"error", ec.message()}});
            return;
        }
        ws_.next_layer().handshake_done();
        if (ctx_.shutting_down) {
            close_after_queue(close_normal_going_away, "server shutting down");
            start_read();
            return;
        }
        watch_expiry();
        load_document(0);
    }

    // A token's session ends when the token would no longer be accepted at the upgrade.
    void watch_expiry() {
        if (!grant_.ends_at) return;
        const auto left = *grant_.ends_at - std::chrono::system_clock::now();
        expiry_timer_.expires_after(std::max(std::chrono::steady_clock::duration::zero(),
                                             std::chrono::duration_cast<std::chrono::steady_clock::duration>(left)));
        expiry_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || self->stopped_reading_ || self->close_requested_) return;
            self->fail("token_expired", "the token expired: get a fresh one and reconnect with ?revision=",
                       close_token_expired);
        });
    }

    // The room is found off the network threads (a cold document may replay a long log; in
    // distributed mode finding it may take a lease and read PostgreSQL); the session continues on
    // its thread once it is there.
    void load_document(int attempt) {
        auto done = [self = shared_from_this(), attempt](ot::Result<std::shared_ptr<document::Room>> room) {
            asio::dispatch(self->ws_.get_executor(),
                           [self, attempt, room = std::move(room)]() mutable { self->on_loaded(attempt, std::move(room)); });
        };
        if (ctx_.cluster) {
            auto job = [this, self = shared_from_this(), done]() mutable { done(ctx_.cluster->room(id_)); };
            if (!ctx_.registry.run_blocking(std::move(job))) done(ot::Error{"shutting down"});
            return;
        }
        ctx_.registry.get_async(id_, [done](ot::Result<std::shared_ptr<document::Document>> doc) mutable {
            if (!doc) return done(ot::Error{doc.error()});
            done(std::shared_ptr<document::Room>(std::move(doc).value()));
        });
    }

    void on_loaded(int attempt, ot::Result<std::shared_ptr<document::Room>> doc) {
        if (ctx_.shutting_down) {
            close_after_queue(close_normal_going_away, "server shutting down");
            start_read();
            return;
        }
        if (!doc) {
            fail("storage_failure", "the document could not be loaded", close_internal);
            return;
        }
        auto joined = doc.value()->join(shared_from_this(), resume_);
        if (!joined) {
            if (joined.error() == "bad_revision") {
                fail("bad_revision", "the requested revision is ahead of the document", close_policy);
            } else if (joined.error() == "storage_failure") {
                fail("storage_failure", "the document could not be stored", close_internal);
            } else if (attempt + 1 < 3) {
                load_document(attempt + 1);  // "evicted": the registry dropped it between get and join
            } else {
                fail("storage_failure", "the document could not be loaded", close_internal);
            }
            return;
        }
        doc_ = doc.value();
        user_ = joined.value();
        log::info("user joined", {{"document", id_}, {"user", std::to_string(user_)},
                                  {"resume", resume_ ? std::to_string(*resume_) : std::string("no")},
                                  {"role", std::string(auth::role_name(grant_.role))},
                                  {"access", admission_name(grant_.admission)}});
        read_watch_.touch();
        if (ctx_.config.ws_read_timeout_seconds > 0) read_watch_.arm(shared_from_this());
        start_read();
    }

    void start_read() {
        ws_.async_read_some(buffer_, read_chunk, beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {
            finish();
            return;
        }
        if (stopped_reading_) return;
        if (buffer_.size() > ctx_.config.max_message_bytes) {
            too_large();
            return;
        }
        if (!ws_.is_message_done()) {
            start_read();
            return;
        }
        // Every frame reaches Beast as binary (see FrameScanner); the scanner knows what it was.
        if (!ws_.next_layer().scanner().take_message_kind_is_text()) {
            fail("bad_message", "binary frames are not accepted", close_unsupported);
            return;
        }
        const std::string text = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        read_watch_.touch();
        if (!rate_.take()) {
            fail("rate_limited", "too many messages", close_policy);
            return;
        }
        ctx_.metrics.message_received(text.size(), metrics::unix_seconds());
        const auto started = std::chrono::steady_clock::now();
        handle(text);
        ctx_.metrics.message_latency.observe(std::chrono::steady_clock::now() - started);
        if (!stopped_reading_) read_when_storage_keeps_up();
    }

    // Backpressure: while storage is far behind, stop reading (TCP then slows the client down),
    // so the writer's queue stays bounded.
    void read_when_storage_keeps_up(bool paused = false) {
        if (ctx_.storage.pending_writes() <= ctx_.config.storage_max_pending_writes) {
            start_read();
            return;
        }
        if (!paused) ctx_.metrics.backpressure_pauses.fetch_add(1, std::memory_order_relaxed);
        pause_timer_.expires_after(std::chrono::milliseconds(5));
        pause_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec && !self->stopped_reading_) self->read_when_storage_keeps_up(true);
        });
    }

    void too_large() {
        if (stopped_reading_) return;
        fail("message_too_large",
             "a message is larger than " + std::to_string(ctx_.config.max_message_bytes) + " bytes", close_too_big);
    }

    // The frame's content is the frame handler's; this maps its outcome onto the connection.
    void handle(const std::string& text) {
        // With no document (closing, or before the join finished) the frame is only checked.
        auto r = session::handle_frame(doc_.get(), user_, text, permissions_);
        if (r.error) {
            fail(r.error->code, r.error->message, r.error->close_code);
            return;
        }
        if (r.rejected) {
            ctx_.metrics.rejected.add(*r.rejected);
            ctx_.telemetry.events.record("rejected", id_, user_, *r.rejected);
        }
        if (r.reply) deliver(document::make_frame(std::move(*r.reply)));
        if (r.edit) dispatch(*r.edit);
    }

    void dispatch(const document::EditResult& r) {
        using document::EditStatus;
        switch (r.status) {
            case EditStatus::applied: ++ctx_.metrics.edits; break;
            case EditStatus::duplicate: break;
            case EditStatus::closed: break;  // evicted: the close is already queued
            case EditStatus::rejected: ctx_.metrics.rejected.add(r.message); break;
            case EditStatus::bad_revision: fail("bad_revision", r.message, close_policy); break;
            case EditStatus::bad_operation: fail("bad_operation", r.message, close_policy); break;
            case EditStatus::bad_seq: fail("bad_seq", r.message, close_policy); break;
            case EditStatus::shutting_down: break;  // not sequenced: the 1001 close follows the acknowledgements
            case EditStatus::storage_failure: fail("storage_failure", r.message, close_internal); break;
        }
    }

    // Sends Error{code, message}, stops reading and closes with `close_code` once it is written.
    void fail(std::string_view code, const std::string& message, std::uint16_t close_code) {
        ctx_.metrics.errors.add(code);
        ctx_.telemetry.events.record("error", id_, doc_ ? std::optional<std::uint64_t>(user_) : std::nullopt,
                                       std::string(code));
        log::info("closing connection", {{"document", id_}, {"user", doc_ ? std::to_string(user_) : std::string("none")},
                                         {"code", std::string(code)}, {"reason", message}});
        stopped_reading_ = true;
        // Through the inbox, so that frames the document already queued (Identity) go first.
        deliver(document::make_frame(protocol::error(code, message)));
        close(close_code, code);
    }

    void on_overflow() {
        log::info("send queue limit exceeded; closing", {{"document", id_}, {"user", std::to_string(user_)}, {"queued_frames", std::to_string(queue_.size())}, {"queued_bytes", std::to_string(queued_bytes_.load())}});
        ++ctx_.metrics.slow_closed;
        ctx_.telemetry.events.record("error", id_, user_, "send_queue_full");
        // Drop what is not being written yet; the client reconnects and resumes from its revision.
        while (queue_.size() > (writing_ ? in_flight_ : 0u)) {
            add_queued(-static_cast<std::int64_t>(queue_.back().frame->size()));
            queue_.pop_back();
        }
        stopped_reading_ = true;
        close_after_queue(close_try_later, "send queue limit exceeded");
    }

    void drain() override { drain_inbox(); }

    void drain_inbox() {
        bool urgent = false;
        for (Item& item : inbox_.take(urgent)) {
            if (close_requested_ || overflowed_) {
                add_queued(-static_cast<std::int64_t>(item.frame->size()));
            } else {
                queue_.push_back(std::move(item));
                urgent_queued_ = urgent_queued_ || urgent;
            }
        }
        if (!writing_) schedule_write();
    }

    // Writes now if a queued frame acknowledges this user's edit or has waited WS_FLUSH_INTERVAL_MS;
    // else waits until the oldest queued frame has, so that the History entries queued meanwhile
    // go out merged in one frame (fewer, bigger writes for a few ms of latency).
    void schedule_write() {
        if (queue_.empty()) return;
        const auto interval = std::chrono::milliseconds(ctx_.config.ws_flush_interval_ms);
        const auto due = queue_.front().queued + interval;
        if (urgent_queued_ || close_requested_ || interval.count() == 0 || std::chrono::steady_clock::now() >= due) {
            if (flush_armed_) flush_timer_.cancel();
            flush_armed_ = false;
            write_next();
            return;
        }
        if (flush_armed_) return;
        flush_armed_ = true;
        flush_timer_.expires_at(due);
        flush_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return;
            self->flush_armed_ = false;
            if (!self->writing_) self->schedule_write();
        });
    }

    // A writer that fell behind merges its History backlog into one frame (see send_queue.hpp).
    void merge_history_backlog() {
        std::int64_t delta = 0;
        if (const std::size_t merged = merge_history_runs(queue_, delta)) {
            add_queued(delta);
            ctx_.metrics.history_merged.fetch_add(merged, std::memory_order_relaxed);
        }
    }

    // Writes every queued frame (up to max_gather_frames) in one gather write: each frame's
    // prebuilt header and payload as they are, shared with every other connection. What the socket
    // takes at once is written right here (no asynchronous operation, no completion to dispatch);
    // only a remainder waits for the socket, under the write timeout.
    void write_next() {
        writing_ = true;
        merge_history_backlog();
        in_flight_ = std::min(queue_.size(), max_gather_frames);
        gather_.clear();
        std::size_t total = 0;
        for (std::size_t i = 0; i < in_flight_; ++i) {
            const document::OutFrame& f = *queue_[i].frame;
            gather_.push_back(asio::const_buffer(f.header().data(), f.header().size()));
            gather_.push_back(asio::buffer(f.payload()));
            total += f.wire_size();
        }
        beast::error_code ec;
        const std::size_t n = ws_.next_layer().write_frames_now(std::span<const asio::const_buffer>(gather_), ec);
        if (ec || n == total) return on_write(ec, n);
        // Drop what was written from the front of the gather list; the rest goes asynchronously.
        std::size_t skip = n, first = 0;
        while (skip >= gather_[first].size()) skip -= gather_[first++].size();
        gather_[first] += skip;
        write_watch_.touch();
        write_watch_.arm(shared_from_this());
        ws_.next_layer().async_write_frames(
            std::span<const asio::const_buffer>(gather_.data() + first, gather_.size() - first),
            beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        writing_ = false;
        if (ec) {
            beast::get_lowest_layer(ws_).close();
            return;
        }
        greeted_.store(true, std::memory_order_relaxed);
        const auto now = std::chrono::steady_clock::now();
        std::uint64_t bytes = 0, history = 0;
        auto& m = ctx_.metrics;
        for (std::size_t i = 0; i < in_flight_; ++i) {
            const Item& done = queue_[i];
            bytes += done.frame->size();
            history += done.count > 0 ? 1 : 0;
            m.fanout_latency.observe(now - done.queued);
        }
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
        add_queued(-static_cast<std::int64_t>(bytes));
        m.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
        m.frames_out.fetch_add(in_flight_, std::memory_order_relaxed);
        m.history_frames.fetch_add(history, std::memory_order_relaxed);
        m.frame_writes.fetch_add(1, std::memory_order_relaxed);
        in_flight_ = 0;
        if (queue_.empty()) urgent_queued_ = false;  // an urgent frame flushes everything queued before it
        if (!queue_.empty()) schedule_write();
        else if (close_requested_ && !close_started_) start_close();
    }

    void close_after_queue(std::uint16_t code, std::string reason) {
        if (close_requested_) return;
        close_requested_ = true;
        leave_document();  // the others learn at once that this user is gone
        close_code_ = code;
        close_reason_ = std::move(reason);
        if (writing_) return;
        if (queue_.empty()) start_close();
        else schedule_write();  // what is queued goes out now, then the close
    }

    void start_close() {
        close_started_ = true;
        write_watch_.touch();  // the close handshake has the write timeout too
        write_watch_.arm(shared_from_this());
        websocket::close_reason reason(static_cast<websocket::close_code>(close_code_), close_reason_);
        ws_.async_close(reason, [self = shared_from_this()](beast::error_code) { self->finish(); });
    }

    void on_write_timeout() {
        log::info("write timeout; dropping connection", {{"document", id_}});
        beast::get_lowest_layer(ws_).close();
    }

    void on_read_timeout() {
        log::debug("read timeout", {{"document", id_}});
        stopped_reading_ = true;
        close_after_queue(close_normal_going_away, "read timeout");
    }

    // Leaves the document once; the session is freed when its last handler returns.
    void finish() {
        if (finished_) return;
        finished_ = true;
        read_watch_.cancel();
        write_watch_.cancel();
        pause_timer_.cancel();
        flush_timer_.cancel();
        expiry_timer_.cancel();
        leave_document();
    }

    void leave_document() {
        if (doc_) {
            log::info("user left", {{"document", id_}, {"user", std::to_string(user_)}});
            doc_->leave(user_);
            doc_.reset();
        }
    }

    ConnectionLimit::Slot slot_;  // MAX_CONNECTIONS: released after the socket below is closed
    websocket::stream<ScannedStream> ws_;
    Context& ctx_;
    const std::string id_;
    const std::optional<std::uint64_t> resume_;
    std::shared_ptr<document::Room> doc_;
    std::uint64_t user_ = 0;
    beast::flat_buffer buffer_;
    std::deque<Item> queue_;
    std::size_t in_flight_ = 0;                // frames at the front of queue_ being written
    std::vector<asio::const_buffer> gather_;   // their headers and payloads
    std::atomic<std::uint64_t> queued_bytes_{0};
    std::atomic<bool> overflowed_{false};
    bool writing_ = false;
    bool stopped_reading_ = false;
    bool close_requested_ = false;
    bool close_started_ = false;
    bool finished_ = false;
    std::uint16_t close_code_ = 1000;
    std::string close_reason_;
    Watchdog read_watch_;   // WS_READ_TIMEOUT_MINUTES since the latest frame from the client, pongs included
    asio::steady_timer pause_timer_;  // backpressure: retry reading once storage caught up
    Watchdog write_watch_;  // WS_WRITE_TIMEOUT_SECONDS since the latest write or close handshake began
    asio::steady_timer flush_timer_;  // WS_FLUSH_INTERVAL_MS: when the oldest queued frame is due
    bool flush_armed_ = false;
    bool urgent_queued_ = false;      // a queued History frame acknowledges this user's edit
    Inbox inbox_;                     // frames delivered from other threads, not yet taken
    std::atomic<bool> greeted_{false};  // the first frame was written
    TokenBucket rate_;
    DeliveryHub& hub_;                // wakes this connection's thread for frames from other threads
    const Grant grant_;                  // what the upgrade's access decision allowed
    session::Permissions permissions_;   // the same, as the frame handler checks it
    asio::steady_timer expiry_timer_;    // a token's session: fires when the token runs out
};

}  // namespace

void start_websocket(beast::tcp_stream stream, Request req, Context& ctx, std::string document_id,
                     std::optional<std::uint64_t> resume, ConnectionLimit::Slot slot, Grant grant) {
    std::make_shared<Session>(std::move(stream), ctx, std::move(document_id), resume, std::move(slot), std::move(grant))
        ->run(std::move(req));
}

}  // namespace kolabpad::server::net
