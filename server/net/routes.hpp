#pragma once
// The plain HTTP routes: /api/text, /api/stats, /api/health, /api/metrics, the admin API, unknown
// /api paths and static files.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "net/access.hpp"
#include "net/beast.hpp"
#include "net/context.hpp"
#include "net/target.hpp"

namespace kolabpad::server::net {

// Receives the response to a request; may run on any thread.
using Reply = std::function<void(http::message_generator)>;

// The access decision for document `id` of `req` (AccessPolicy::decide with its query and
// Authorization header): the grant, or the answer to send instead. Every document route calls it
// before it reads anything of the document; `route` names the route in logs and events.
struct RequestAccess {
    std::optional<Grant> grant;
    std::optional<http::response<http::string_body>> refusal;  // set when `grant` is not
};
RequestAccess decide_access(const Request& req, const Target& target, Context& ctx, const std::string& id,
                            std::string_view route);
// The answer to a refused access: {"error","reason","message"} with the Denial's status, and
// WWW-Authenticate: Bearer when a token was needed.
http::response<http::string_body> denial_response(const Request& req, const Denial& denial);
// The value of header `field` of `req`, or nullopt when it has none.
std::optional<std::string_view> header_of(const Request& req, http::field field);

// Answers one request that is not a WebSocket upgrade through `reply`: before returning, or, for
// /api/text of a document not in memory, later from a loader thread (the read and replay never
// run on a network thread).
void handle_request(const Request& req, const Target& target, Context& ctx, Reply reply);

// The access check of every read of a document's text or history (/api/text, /api/history,
// /api/diff, /api/authors), made before anything of the document is read: nullopt when allowed,
// else the answer (401, 503). The one place where a new kind of credential is checked.
std::optional<http::response<http::string_body>> read_access(const Request& req, const Target& target, Context& ctx,
                                                             const std::string& id);

// True for /api/history/{id}, /api/diff/{id} and /api/authors/{id}.
bool history_path(std::string_view path);
// Answers a history route (history_routes.cpp, docs/history.md): access first, then the reads on a
// loader thread, the answer through `reply` from there.
void history_route(const Request& req, const Target& target, Context& ctx, const Reply& reply);
// GET /api/text/{id}?revision=N, access already checked: the text at revision N, read on a loader thread.
void history_text_route(const Request& req, const Target& target, Context& ctx, const std::string& id,
                        const Reply& reply);

// GET /api/health: status, storage and memory; 503 while shutting down or when storage fails.
http::message_generator health_route(const Request& req, Context& ctx);
// GET /api/metrics: Prometheus text, or JSON with ?format=json or Accept: application/json.
http::message_generator metrics_route(const Request& req, const Target& target, Context& ctx);

// POST /api/tokens (behind ADMIN_TOKEN): mints a token with the configured signing key.
http::message_generator tokens_route(const Request& req, Context& ctx);

// True for the paths of the admin API (/api/rooms..., /api/events, /api/simulate/..., /api/tokens).
bool admin_path(std::string_view path);
// Answers an admin request: 404 (exactly like an unknown route) unless ADMIN_TOKEN is set and the
// request carries `Authorization: Bearer <ADMIN_TOKEN>`.
http::message_generator admin_route(const Request& req, const Target& target, Context& ctx);

// Serves a file of `dir` (index.html for app routes); never outside `dir`.
http::message_generator serve_static(const Request& req, const std::string& dir, const std::string& path);

// Sets the security headers (X-Content-Type-Options, Content-Security-Policy, Referrer-Policy,
// X-Frame-Options when expressible) for a response to a request with Host `host`.
void set_security_headers(http::fields& fields, std::string_view host);

// A small response with `body` and `content_type`, with the security headers (and, for /api/
// paths, the CORS headers of an allowed cross-origin request).
http::response<http::string_body> make_response(const Request& req, http::status status, std::string body,
                                                std::string_view content_type);
// A JSON response {"error":code,"message":message} with `status`.
http::response<http::string_body> json_error(const Request& req, http::status status, std::string_view code,
                                             std::string_view message);

}  // namespace kolabpad::server::net
