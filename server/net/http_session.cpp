#include "net/http_session.hpp"

#include <memory>
#include <optional>

#include "log/log.hpp"
#include "net/routes.hpp"
#include "net/target.hpp"
#include "net/websocket_session.hpp"

namespace kolabpad::server::net {
namespace {

constexpr auto request_timeout = std::chrono::seconds(30);
constexpr std::uint64_t request_body_limit = 16 * 1024;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket socket, Context& ctx) : stream_(std::move(socket)), ctx_(ctx) {}

    void run() {
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::read, shared_from_this()));
    }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(request_body_limit);
        stream_.expires_after(request_timeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        if (ec) return;
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
        send(handle_request(req, *target, ctx_));
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
        std::optional<std::string> otp;
        if (auto it = target.query.find("otp"); it != target.query.end()) otp = it->second;
        switch (ctx_.registry.check_access(id, otp)) {
            case document::Access::allowed: break;
            case document::Access::denied:
                reject(http::status::unauthorized, R"({"error":"unauthorized","message":"wrong or missing otp"})");
                return;
            case document::Access::storage_failure:
                reject(http::status::service_unavailable, R"({"error":"storage_failure","message":"storage is failing"})");
                return;
        }
        stream_.expires_never();
        start_websocket(std::move(stream_), std::move(req), ctx_, id, resume);
    }

    void send(http::message_generator msg) {
        const bool keep_alive = msg.keep_alive();
        beast::async_write(stream_, std::move(msg),
                           [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                               if (ec) return;
                               if (!keep_alive || self->ctx_.shutting_down) {
                                   beast::error_code ignored;
                                   self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                                   return;
                               }
                               self->read();
                           });
    }

    beast::tcp_stream stream_;
    Context& ctx_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void start_http(tcp::socket socket, Context& ctx) { std::make_shared<HttpSession>(std::move(socket), ctx)->run(); }

}  // namespace kolabpad::server::net
