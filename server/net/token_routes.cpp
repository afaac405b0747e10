// POST /api/tokens (admin API, behind ADMIN_TOKEN): mints a signed token with the server's own
// signing key, for operators without a token service of their own.
#include <charconv>

#include "auth/bounded_json.hpp"
#include "auth/token_minter.hpp"
#include "kolabpad/ot/json.hpp"
#include "log/log.hpp"
#include "net/routes.hpp"

namespace kolabpad::server::net {
namespace {

using nlohmann::json;

// Deepest nesting of a request body ({"documents":[...]} is 2).
constexpr std::size_t max_body_depth = 3;
// Lifetime of a minted token when the request names none.
constexpr std::int64_t default_lifetime_seconds = 3600;

http::response<http::string_body> bad_request(const Request& req, std::string message) {
    return json_error(req, http::status::bad_request, "bad_request", message);
}

// The request body as a MintRequest, or the message of a 400 naming the field.
ot::Result<auth::MintRequest> mint_request(const std::string& body) {
    auto parsed = auth::parse_bounded_object(body, body.size(), max_body_depth);
    if (!parsed) return ot::Error{"the body must be one JSON object (without repeated keys, at most 3 levels deep)"};
    const json& j = *parsed;
    auth::MintRequest r;
    r.lifetime_seconds = default_lifetime_seconds;
    bool role_seen = false;
    for (const auto& [key, value] : j.items()) {
        if (key == "document") {
            if (!value.is_string()) return ot::Error{"document: expected a string (an id, or a prefix ending in '*')"};
            r.documents.push_back(value.get<std::string>());
        } else if (key == "documents") {
            if (!value.is_array()) return ot::Error{"documents: expected a list of ids or prefixes ending in '*'"};
            for (const json& d : value) {
                if (!d.is_string()) return ot::Error{"documents: expected a list of strings"};
                r.documents.push_back(d.get<std::string>());
            }
        } else if (key == "role") {
            if (value == "edit") r.role = auth::Role::edit;
            else if (value == "view") r.role = auth::Role::view;
            else return ot::Error{"role: expected \"edit\" or \"view\""};
            role_seen = true;
        } else if (key == "name") {
            if (!value.is_string()) return ot::Error{"name: expected a string"};
            r.name = value.get<std::string>();
        } else if (key == "subject") {
            if (!value.is_string()) return ot::Error{"subject: expected a string"};
            r.subject = value.get<std::string>();
        } else if (key == "lifetime") {
            if (!value.is_number_integer()) return ot::Error{"lifetime: expected a whole number of seconds"};
            r.lifetime_seconds = value.get<std::int64_t>();
        } else {
            return ot::Error{key + ": unknown field (expected document or documents, role, name, subject, lifetime)"};
        }
    }
    if (j.contains("document") && j.contains("documents")) return ot::Error{"documents: give document or documents, not both"};
    if (r.documents.empty()) return ot::Error{"document: missing (an id, or a prefix ending in '*')"};
    if (!role_seen) return ot::Error{"role: missing (\"edit\" or \"view\")"};
    return r;
}

}  // namespace

http::message_generator tokens_route(const Request& req, Context& ctx) {
    if (req.method() != http::verb::post) {
        auto res = json_error(req, http::status::method_not_allowed, "method_not_allowed", "allowed: POST");
        res.set(http::field::allow, "POST");
        return res;
    }
    auto minter = auth::TokenMinter::create(ctx.config.tokens);
    if (!minter) {
        // Not a fault of the request, nor a passing one of the server: this server is not set up to sign.
        return json_error(req, http::status::not_implemented, "minting_unavailable", minter.error());
    }
    auto request = mint_request(req.body());
    if (!request) return bad_request(req, request.error());
    const auto now = std::chrono::system_clock::now();
    auto token = minter->mint(*request, now);
    if (!token) return bad_request(req, token.error());
    const std::int64_t expires =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + request->lifetime_seconds;
    std::string documents;
    for (const auto& d : request->documents) documents += (documents.empty() ? "" : ",") + d;
    log::info("token minted", {{"documents", documents}, {"role", std::string(auth::role_name(request->role))},
                               {"lifetime", std::to_string(request->lifetime_seconds)}});
    ctx.telemetry.events.record("mint", request->documents.front(), std::nullopt, std::string(auth::role_name(request->role)));
    std::string body = "{\"token\":";
    ot::append_json_string(body, *token);
    body += ",\"expires_at\":" + std::to_string(expires) + ",\"algorithm\":\"" +
            std::string(auth::algorithm_name(minter->algorithm())) + "\"}";
    auto res = make_response(req, http::status::ok, std::move(body), "application/json");
    res.set(http::field::cache_control, "no-store");
    return res;
}

}  // namespace kolabpad::server::net
