#include "net/routes.hpp"

#include "log/log.hpp"

namespace kolabpad::server::net {
namespace {

constexpr std::string_view json_type = "application/json";

std::string json_error(std::string_view code, std::string_view message) {
    return "{\"error\":\"" + std::string(code) + "\",\"message\":\"" + std::string(message) + "\"}";
}

http::message_generator text_route(const Request& req, const Target& target, Context& ctx, const std::string& id) {
    if (!valid_document_id(id)) {
        return make_response(req, http::status::bad_request, json_error("bad_id", "invalid document id"), json_type);
    }
    std::optional<std::string> otp;
    if (auto it = target.query.find("otp"); it != target.query.end()) otp = it->second;
    switch (ctx.registry.check_access(id, otp)) {
        case document::Access::allowed: break;
        case document::Access::denied:
            return make_response(req, http::status::unauthorized, json_error("unauthorized", "wrong or missing otp"),
                                 json_type);
        case document::Access::storage_failure:
            return make_response(req, http::status::service_unavailable,
                                 json_error("storage_failure", "storage is failing"), json_type);
    }
    auto text = ctx.registry.text(id);
    if (!text) {
        return make_response(req, http::status::service_unavailable, json_error("storage_failure", "storage is failing"),
                             json_type);
    }
    auto res = make_response(req, http::status::ok, std::move(text).value(), "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    return res;
}

http::message_generator stats_route(const Request& req, Context& ctx) {
    auto stored = ctx.storage.count_documents();
    std::string body = "{\"start_time\":" + std::to_string(ctx.start_time) +
                       ",\"num_documents\":" + std::to_string(ctx.registry.size()) + ",\"database_size\":" +
                       (stored ? std::to_string(stored.value()) : std::string("null")) +
                       ",\"connections\":" + std::to_string(ctx.websockets.load()) +
                       ",\"edits\":" + std::to_string(ctx.edits.load()) +
                       ",\"protocol_errors\":" + std::to_string(ctx.protocol_errors.load()) + "}";
    return make_response(req, http::status::ok, std::move(body), json_type);
}

http::message_generator health_route(const Request& req, Context& ctx) {
    const bool stopping = ctx.shutting_down.load();
    const bool storage_ok = ctx.storage.healthy();
    std::string status = stopping ? "shutting_down" : storage_ok ? "ok" : "storage_failure";
    std::string body = "{\"status\":\"" + status + "\",\"storage\":\"" + (storage_ok ? "ok" : "failing") +
                       "\",\"documents\":" + std::to_string(ctx.registry.size()) +
                       ",\"connections\":" + std::to_string(ctx.websockets.load()) + "}";
    const auto code = status == "ok" ? http::status::ok : http::status::service_unavailable;
    auto res = make_response(req, code, std::move(body), json_type);
    res.set(http::field::cache_control, "no-store");
    return res;
}

void counter(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(value) + "\n";
}

http::message_generator metrics_route(const Request& req, Context& ctx) {
    std::string out;
    counter(out, "kolabpad_connections", "gauge", "Open WebSocket connections.", ctx.websockets.load());
    counter(out, "kolabpad_documents", "gauge", "Documents in memory.", ctx.registry.size());
    counter(out, "kolabpad_edits_total", "counter", "Edits applied.", ctx.edits.load());
    counter(out, "kolabpad_rejected_total", "counter", "Edits rejected (document too large).", ctx.rejected.load());
    counter(out, "kolabpad_messages_total", "counter", "Client messages received.", ctx.messages.load());
    counter(out, "kolabpad_received_bytes_total", "counter", "Bytes of client messages.", ctx.bytes_received.load());
    counter(out, "kolabpad_protocol_errors_total", "counter", "Connections closed for a protocol error.",
            ctx.protocol_errors.load());
    counter(out, "kolabpad_slow_consumers_total", "counter", "Connections closed for exceeding their send queue.",
            ctx.slow_closed.load());
    counter(out, "kolabpad_storage_healthy", "gauge", "1 when storage works, 0 when it is failing.",
            ctx.storage.healthy() ? 1 : 0);
    counter(out, "kolabpad_storage_pending_writes", "gauge", "Writes queued for the next commit.",
            ctx.storage.pending_writes());
    ctx.message_latency.append_prometheus(out, "kolabpad_message_seconds", "Time to handle one client message.");
    ctx.storage.commit_latency().append_prometheus(out, "kolabpad_commit_seconds",
                                                   "Duration of one storage commit (a batch of writes).");
    return make_response(req, http::status::ok, std::move(out), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

http::response<http::string_body> make_response(const Request& req, http::status status, std::string body,
                                                std::string_view content_type) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "kolabpad");
    res.set(http::field::content_type, content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

http::message_generator handle_request(const Request& req, const Target& target, Context& ctx) {
    const std::string& path = target.path;
    const bool api = path == "/api" || path.rfind("/api/", 0) == 0;
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return make_response(req, http::status::method_not_allowed,
                             json_error("method_not_allowed", "only GET is supported"), json_type);
    }
    if (path.rfind("/api/text/", 0) == 0) return text_route(req, target, ctx, path.substr(10));
    if (path == "/api/stats") return stats_route(req, ctx);
    if (path == "/api/health") return health_route(req, ctx);
    if (path == "/api/metrics") return metrics_route(req, ctx);
    if (path.rfind("/api/socket/", 0) == 0) {
        return make_response(req, http::status::bad_request,
                             json_error("upgrade_required", "this route only accepts WebSocket upgrades"), json_type);
    }
    if (api) return make_response(req, http::status::not_found, json_error("not_found", "no such route"), json_type);
    return serve_static(req, ctx.config.static_dir, path);
}

}  // namespace kolabpad::server::net
