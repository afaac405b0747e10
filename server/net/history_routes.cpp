// The history's HTTP routes (docs/history.md "HTTP routes"): /api/text/{id}?revision=N,
// /api/history/{id}, /api/diff/{id} and /api/authors/{id}. They read storage only, on a loader
// thread, through history::History.
#include <memory>
#include <optional>
#include <string>

#include "history/history.hpp"
#include "history/history_json.hpp"
#include "net/routes.hpp"

namespace kolabpad::server::net {
namespace {

constexpr std::string_view json_utf8 = "application/json; charset=utf-8";

enum class Kind { history, diff, authors };

struct Route {
    Kind kind;
    std::string_view prefix;
};

constexpr Route routes[] = {
    {Kind::history, "/api/history/"},
    {Kind::diff, "/api/diff/"},
    {Kind::authors, "/api/authors/"},
};

// A query parameter as a plain decimal integer: nullopt when absent, `bad` set when malformed.
std::optional<std::uint64_t> param(const Target& target, const char* name, bool& bad) {
    auto it = target.query.find(name);
    if (it == target.query.end()) return std::nullopt;
    auto n = parse_revision(it->second);
    if (!n) bad = true;
    return n;
}

http::response<http::string_body> answer(const Request& req, http::status status, std::string body,
                                         std::string_view type) {
    auto res = make_response(req, status, std::move(body), type);
    res.set(http::field::cache_control, "no-store");
    return res;
}

http::response<http::string_body> failure(const Request& req, const history::Failure& f) {
    return answer(req, static_cast<http::status>(history::http_status(f.code)), history::failure_json(f), json_utf8);
}

// Runs `compute` (given the History) on a loader thread and replies with what it returns.
void off_thread(const Request& req, Context& ctx, const Reply& reply,
                std::function<http::response<http::string_body>(const Request&, history::History&)> compute) {
    history::Source* source = ctx.storage.history();
    if (!source) {
        return reply(failure(req, history::Failure{history::Failure::Code::unavailable, "this storage keeps no history"}));
    }
    // The answer is made after the reads, on a loader thread: keep what it needs of the request.
    auto head = std::make_shared<Request>();
    head->base() = req.base();
    const bool posted = ctx.registry.job_runner()([head, reply, source, &ctx, compute = std::move(compute)] {
        history::History h(*source, ctx.config.history, ctx.config.max_document_code_points);
        reply(compute(*head, h));
    });
    if (!posted) {
        reply(json_error(req, http::status::service_unavailable, "shutting_down", "the server is stopping"));
    }
}

}  // namespace

bool history_path(std::string_view path) {
    for (const Route& r : routes) {
        if (path.rfind(r.prefix, 0) == 0) return true;
    }
    return false;
}

void history_route(const Request& req, const Target& target, Context& ctx, const Reply& reply) {
    const Route* route = nullptr;
    for (const Route& r : routes) {
        if (target.path.rfind(r.prefix, 0) == 0) route = &r;
    }
    const std::string id = target.path.substr(route->prefix.size());
    if (!valid_document_id(id)) {
        return reply(answer(req, http::status::bad_request, R"({"error":"bad_id","message":"invalid document id"})", json_utf8));
    }
    if (auto refused = read_access(req, target, ctx, id)) return reply(std::move(*refused));
    bool bad = false;
    const auto bad_request = [&](std::string message) {
        reply(failure(req, history::Failure{history::Failure::Code::bad_request, std::move(message)}));
    };
    switch (route->kind) {
        case Kind::history: {
            const auto before = param(target, "before", bad);
            const auto limit = param(target, "limit", bad);
            if (bad) return bad_request("before and limit must be plain decimal integers");
            return off_thread(req, ctx, reply, [id, before, limit](const Request& r, history::History& h) {
                auto p = h.page(id, before, limit);
                return p ? answer(r, http::status::ok, history::page_json(*p), json_utf8) : failure(r, p.failure());
            });
        }
        case Kind::diff: {
            const auto from = param(target, "from", bad);
            const auto to = param(target, "to", bad);
            if (bad || !from || !to) return bad_request("from and to are required, as plain decimal integers");
            return off_thread(req, ctx, reply, [id, from, to](const Request& r, history::History& h) {
                auto d = h.diff(id, *from, *to);
                return d ? answer(r, http::status::ok, history::diff_json(*d), json_utf8) : failure(r, d.failure());
            });
        }
        case Kind::authors: {
            const auto revision = param(target, "revision", bad);
            if (bad) return bad_request("revision must be a plain decimal integer");
            return off_thread(req, ctx, reply, [id, revision](const Request& r, history::History& h) {
                auto a = h.authors(id, revision);
                return a ? answer(r, http::status::ok, history::authors_json(*a), json_utf8) : failure(r, a.failure());
            });
        }
    }
}

void history_text_route(const Request& req, const Target& target, Context& ctx, const std::string& id,
                        const Reply& reply) {
    bool bad = false;
    const auto revision = param(target, "revision", bad);
    if (bad || !revision) {
        return reply(failure(req, history::Failure{history::Failure::Code::bad_request,
                                                   "revision must be a plain decimal integer"}));
    }
    off_thread(req, ctx, reply, [id, n = *revision](const Request& r, history::History& h) {
        auto k = h.text_at(id, n);
        return k ? answer(r, http::status::ok, std::move(k->text), "text/plain; charset=utf-8") : failure(r, k.failure());
    });
}

}  // namespace kolabpad::server::net
