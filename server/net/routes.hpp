#pragma once
// The plain HTTP routes: /api/text, /api/stats, /api/health, unknown /api paths and static files.

#include "net/beast.hpp"
#include "net/context.hpp"
#include "net/target.hpp"

namespace kolabpad::server::net {

// Answers one request that is not a WebSocket upgrade.
http::message_generator handle_request(const Request& req, const Target& target, Context& ctx);

// Serves a file of `dir` (index.html for app routes); never outside `dir`.
http::message_generator serve_static(const Request& req, const std::string& dir, const std::string& path);

// A small response with `body` and `content_type`.
http::response<http::string_body> make_response(const Request& req, http::status status, std::string body,
                                                std::string_view content_type);

}  // namespace kolabpad::server::net
