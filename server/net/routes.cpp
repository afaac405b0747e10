#include "net/routes.hpp"

#include <memory>

#include "kolabpad/ot/json.hpp"
#include "log/log.hpp"
#include "net/cors.hpp"
#include "net/security_headers.hpp"

namespace kolabpad::server::net {
namespace {

constexpr std::string_view json_type = "application/json";

bool is_api(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

void text_route(const Request& req, const Target& target, Context& ctx, const std::string& id, const Reply& reply) {
    auto access = decide_access(req, target, ctx, id, "text");
    if (!access.grant) return reply(std::move(*access.refusal));
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

std::optional<std::string_view> header_of(const Request& req, http::field field) {
    auto it = req.find(field);
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
}

RequestAccess decide_access(const Request& req, const Target& target, Context& ctx, const std::string& id,
                            std::string_view route) {
    auto decision = ctx.access.decide(id, credentials_of(target.query, header_of(req, http::field::authorization)), route);
    if (decision) return RequestAccess{std::move(decision.grant), std::nullopt};
    return RequestAccess{std::nullopt, denial_response(req, decision.denial)};
}

http::response<http::string_body> denial_response(const Request& req, const Denial& d) {
    std::string body = "{\"error\":";
    ot::append_json_string(body, d.code);
    body += ",\"reason\":";
    ot::append_json_string(body, d.reason);
    body += ",\"message\":";
    ot::append_json_string(body, d.message);
    body += "}";
    auto res = make_response(req, static_cast<http::status>(d.status), std::move(body), json_type);
    if (d.token) res.set(http::field::www_authenticate, "Bearer realm=\"kolabpad\", error=\"invalid_token\"");
    res.set(http::field::cache_control, "no-store");
    return res;
}

std::optional<http::response<http::string_body>> read_access(const Request& req, const Target& target, Context& ctx,
                                                             const std::string& id) {
    auto access = decide_access(req, target, ctx, id, "history");
    if (access.grant) return std::nullopt;
    return std::move(access.refusal);
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
    const std::string_view target(req.target().data(), req.target().size());
    if (is_api(target.substr(0, target.find('?')))) {
        for (auto& [name, value] : cors_headers(header_of(req, http::field::origin), std::string_view(host.data(), host.size()))) {
            res.set(name, value);
        }
    }
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
    const bool api = is_api(path);
    if (api) {
        const auto origin = header_of(req, http::field::origin);
        const auto host = req[http::field::host];
        if (!origin_allowed(origin, std::string_view(host.data(), host.size()))) {
            ctx.access.record_refusal("", "origin_not_allowed", "http");
            return reply(json_error(req, http::status::forbidden, "origin_not_allowed",
                                    "this origin is not in CORS_ORIGINS"));
        }
        if (req.method() == http::verb::options) {
            auto res = make_response(req, http::status::no_content, "", json_type);
            res.erase(http::field::content_type);
            res.set(http::field::allow, "GET, HEAD, POST, DELETE, OPTIONS");
            if (origin) {
                for (auto& [name, value] : preflight_headers()) res.set(name, value);
            }
            return reply(std::move(res));
        }
    }
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
