#include "net/routes.hpp"

#include <memory>

#include "kolabpad/ot/json.hpp"
#include "log/log.hpp"
#include "net/security_headers.hpp"

namespace kolabpad::server::net {
namespace {

constexpr std::string_view json_type = "application/json";

void text_route(const Request& req, const Target& target, Context& ctx, const std::string& id, const Reply& reply) {
    if (!valid_document_id(id)) return reply(json_error(req, http::status::bad_request, "bad_id", "invalid document id"));
    if (auto refused = read_access(req, target, ctx, id)) return reply(std::move(*refused));
    if (target.query.count("revision")) return history_text_route(req, target, ctx, id, reply);
    // The answer is made after the read, perhaps on a loader thread: keep what it needs of the request.
    auto head = std::make_shared<Request>();
    head->base() = req.base();
    ctx.registry.text_async(id, [head, reply](ot::Result<std::string> text) {
        if (!text) return reply(json_error(*head, http::status::service_unavailable, "storage_failure", "storage is failing"));
        auto res = make_response(*head, http::status::ok, std::move(text).value(), "text/plain; charset=utf-8");
        res.set(http::field::cache_control, "no-store");
        reply(std::move(res));
    });
}

http::message_generator stats_route(const Request& req, Context& ctx) {
    auto stored = ctx.storage.count_documents();
    std::string body = "{\"start_time\":" + std::to_string(ctx.start_time) +
                       ",\"num_documents\":" + std::to_string(ctx.registry.size()) + ",\"database_size\":" +
                       (stored ? std::to_string(stored.value()) : std::string("null")) +
                       ",\"connections\":" + std::to_string(ctx.metrics.connections.load()) +
                       ",\"edits\":" + std::to_string(ctx.metrics.edits.load()) +
                       ",\"protocol_errors\":" + std::to_string(ctx.metrics.errors.total()) + "}";
    return make_response(req, http::status::ok, std::move(body), json_type);
}

}  // namespace

std::optional<http::response<http::string_body>> read_access(const Request& req, const Target& target, Context& ctx,
                                                             const std::string& id) {
    std::optional<std::string> otp;
    if (auto it = target.query.find("otp"); it != target.query.end()) otp = it->second;
    switch (ctx.registry.check_access(id, otp)) {
        case document::Access::allowed: return std::nullopt;
        case document::Access::denied:
            return json_error(req, http::status::unauthorized, "unauthorized", "wrong or missing otp");
        case document::Access::storage_failure:
            return json_error(req, http::status::service_unavailable, "storage_failure", "storage is failing");
    }
    return json_error(req, http::status::service_unavailable, "storage_failure", "storage is failing");
}

void set_security_headers(http::fields& fields, std::string_view host) {
    for (auto& [name, value] : security_headers(host)) fields.set(name, value);
}

http::response<http::string_body> make_response(const Request& req, http::status status, std::string body,
                                                std::string_view content_type) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "kolabpad");
    const auto host = req[http::field::host];
    set_security_headers(res, std::string_view(host.data(), host.size()));
    res.set(http::field::content_type, content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

http::response<http::string_body> json_error(const Request& req, http::status status, std::string_view code,
                                             std::string_view message) {
    std::string body = "{\"error\":";
    ot::append_json_string(body, code);
    body += ",\"message\":";
    ot::append_json_string(body, message);
    body += "}";
    return make_response(req, status, std::move(body), json_type);
}

void handle_request(const Request& req, const Target& target, Context& ctx, Reply reply) {
    const std::string& path = target.path;
    const bool api = path == "/api" || path.rfind("/api/", 0) == 0;
    if (admin_path(path)) return reply(admin_route(req, target, ctx));
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return reply(json_error(req, http::status::method_not_allowed, "method_not_allowed", "only GET is supported"));
    }
    if (path.rfind("/api/text/", 0) == 0) return text_route(req, target, ctx, path.substr(10), reply);
    if (history_path(path)) return history_route(req, target, ctx, reply);
    if (path == "/api/stats") return reply(stats_route(req, ctx));
    if (path == "/api/health") return reply(health_route(req, ctx));
    if (path == "/api/metrics") return reply(metrics_route(req, target, ctx));
    if (path.rfind("/api/socket/", 0) == 0) {
        return reply(json_error(req, http::status::bad_request, "upgrade_required",
                                "this route only accepts WebSocket upgrades"));
    }
    if (api) return reply(json_error(req, http::status::not_found, "not_found", "no such route"));
    reply(serve_static(req, ctx.config.static_dir, path));
}

}  // namespace kolabpad::server::net
