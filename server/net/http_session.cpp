#include "net/http_session.hpp"

#include <memory>
#include <optional>
#include <vector>

#include "log/log.hpp"
#include "net/cors.hpp"
#include "net/routes.hpp"
#include "net/target.hpp"
#include "net/websocket_session.hpp"

namespace kolabpad::server::net {
namespace {

constexpr auto request_timeout = std::chrono::seconds(30);
constexpr std::uint64_t request_body_limit = 16 * 1024;
constexpr std::uint32_t request_header_limit = 8 * 1024;
// A connection past MAX_CONNECTIONS gets this long to send its request before it is dropped.
constexpr auto refusal_timeout = std::chrono::seconds(2);
// After an answer with Connection: close, what the client still sends is read and dropped for at
// most this long and this much, so that closing does not reset the connection (a reset can make
// the client lose the answer) and a client cannot keep the descriptor.
constexpr auto linger_timeout = std::chrono::seconds(2);
constexpr std::size_t linger_limit = 1024 * 1024;

// The answer to a request that could not be parsed, as Beast's error says why; nullopt when the
// connection is gone or timed out (nobody to answer).
std::optional<std::pair<http::status, std::string_view>> parse_error_answer(const beast::error_code& ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        return std::pair{http::status::request_header_fields_too_large, "headers_too_large"};
    }
    if (ec == http::error::body_limit) return std::pair{http::status::payload_too_large, "body_too_large"};
    if (ec.category() == beast::error_code(http::error::bad_method).category()) {
        return std::pair{http::status::bad_request, "bad_request"};
    }
    return std::nullopt;
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    // `refusing`: the connection is past MAX_CONNECTIONS and gets only the 503.
    HttpSession(tcp::socket socket, Context& ctx, ConnectionLimit::Slot slot, bool refusing)
        : stream_(std::move(socket)), ctx_(ctx), slot_(std::move(slot)), refusing_(refusing) {}

    void run() {
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::read, shared_from_this()));
    }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(request_body_limit);
        parser_->header_limit(request_header_limit);
        if (refusing_) {
            stream_.expires_after(refusal_timeout);
            http::async_read_header(stream_, buffer_, *parser_,
                                    beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
            return;
        }
        stream_.expires_after(request_timeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        if (ec) {
            if (auto answer = parse_error_answer(ec)) {
                send_parse_error(answer->first, answer->second, ec.message());
            }
            return;
        }
        if (refusing_) {
            auto res = json_error(parser_->get(), http::status::service_unavailable, "too_many_connections",
                                  "the server has MAX_CONNECTIONS connections open; try again later");
            res.set(http::field::retry_after, "1");
            res.keep_alive(false);
            send(std::move(res));
            return;
        }
        Request req = parser_->release();
        auto target = parse_target(std::string_view(req.target().data(), req.target().size()));
        if (!target) {
            send(make_response(req, http::status::bad_request, "malformed request target", "text/plain; charset=utf-8"));
            return;
        }
        if (target->path.rfind("/api/socket/", 0) == 0 && websocket::is_upgrade(req)) {
            upgrade(std::move(req), *target);
            return;
        }
        // The reply may come from a loader thread (/api/text of a cold document): back to the connection's thread.
        handle_request(req, *target, ctx_, [self = shared_from_this()](http::message_generator msg) {
            asio::dispatch(self->stream_.get_executor(),
                           [self, msg = std::move(msg)]() mutable { self->send(std::move(msg)); });
        });
    }

    // Answers a request Beast could not parse (the parser's state is lost: HTTP/1.1, no Host).
    void send_parse_error(http::status status, std::string_view code, const std::string& why) {
        log::debug("malformed http request", {{"status", std::to_string(static_cast<unsigned>(status))}, {"error", why}});
        Request none;
        auto res = json_error(none, status, code, why);
        res.keep_alive(false);
        send(std::move(res));
    }

    void upgrade(Request req, const Target& target) {
        const std::string id = target.path.substr(12);
        auto reject = [&](http::status s, std::string body) {
            auto res = make_response(req, s, std::move(body), "application/json");
            res.keep_alive(false);
            send(std::move(res));
        };
        if (!valid_document_id(id)) {
            reject(http::status::bad_request, R"({"error":"bad_id","message":"invalid document id"})");
            return;
        }
        std::optional<std::uint64_t> resume;
        if (auto it = target.query.find("revision"); it != target.query.end()) {
            resume = parse_revision(it->second);
            if (!resume) {
                reject(http::status::bad_request, R"({"error":"bad_revision","message":"revision must be an integer"})");
                return;
            }
        }
        if (ctx_.shutting_down) {
            reject(http::status::service_unavailable, R"({"error":"shutting_down","message":"server is stopping"})");
            return;
        }
        const auto host = req[http::field::host];
        if (!origin_allowed(header_of(req, http::field::origin), std::string_view(host.data(), host.size()))) {
            ctx_.access.record_refusal(id, "origin_not_allowed", "socket");
            reject(http::status::forbidden, R"({"error":"origin_not_allowed","message":"this origin is not in CORS_ORIGINS"})");
            return;
        }
        auto access = decide_access(req, target, ctx_, id, "socket");
        if (!access.grant) {
            access.refusal->keep_alive(false);
            send(std::move(*access.refusal));
            return;
        }
        stream_.expires_never();
        start_websocket(std::move(stream_), std::move(req), ctx_, id, resume, std::move(slot_), std::move(*access.grant));
    }

    void send(http::message_generator msg) {
        const bool keep_alive = msg.keep_alive();
        beast::async_write(stream_, std::move(msg),
                           [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                               if (ec) return;
                               if (!keep_alive || self->ctx_.shutting_down || self->refusing_) {
                                   self->linger();
                                   return;
                               }
                               self->read();
                           });
    }

    // Ends the connection after a final answer: FIN first, then read until the client closes too.
    void linger() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(linger_timeout);
        scratch_.resize(16 * 1024);
        drain();
    }

    void drain() {
        stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
            self->lingered_ += n;
            if (!ec && self->lingered_ < linger_limit) self->drain();
        });
    }

    beast::tcp_stream stream_;
    Context& ctx_;
    ConnectionLimit::Slot slot_;  // moves to the WebSocket session on upgrade
    const bool refusing_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::vector<char> scratch_;  // lingering close: what the client still sends
    std::size_t lingered_ = 0;
};

}  // namespace

void start_http(tcp::socket socket, Context& ctx, ConnectionLimit::Slot slot) {
    std::make_shared<HttpSession>(std::move(socket), ctx, std::move(slot), false)->run();
}

void refuse_http(tcp::socket socket, Context& ctx, ConnectionLimit::Slot slot) {
    std::make_shared<HttpSession>(std::move(socket), ctx, std::move(slot), true)->run();
}

}  // namespace kolabpad::server::net
