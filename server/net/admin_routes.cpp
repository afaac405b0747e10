// The admin API (ADMIN_TOKEN): rooms in memory, their users, persist, evict, the event log and
// simulated users. Without the right bearer token every admin path answers exactly like an unknown
// route (404), so that document ids cannot be listed or probed.
#include <charconv>
#include <cmath>

#include "admin/auth.hpp"
#include "kolabpad/ot/json.hpp"
#include "log/log.hpp"
#include "net/routes.hpp"
#include "cluster/cluster.hpp"

namespace kolabpad::server::net {
namespace {

constexpr std::string_view json_type = "application/json";
constexpr std::size_t default_event_limit = 100;

void append_string(std::string& out, std::string_view s) { ot::append_json_string(out, s); }

std::string room_json(const document::Document::Info& i) {
    std::string o = "{\"id\":";
    append_string(o, i.id);
    o += ",\"users\":" + std::to_string(i.users) + ",\"simulated_users\":" + std::to_string(i.simulated_users) +
         ",\"revision\":" + std::to_string(i.revision) + ",\"size_bytes\":" + std::to_string(i.text_bytes) +
         ",\"code_points\":" + std::to_string(i.code_points) + ",\"language\":";
    if (i.language) append_string(o, *i.language);
    else o += "null";
    char idle[32];
    std::snprintf(idle, sizeof idle, "%.3f", i.idle_seconds);
    o += std::string(",\"protected\":") + (i.is_protected ? "true" : "false") + ",\"idle_seconds\":" + idle +
         ",\"memory_bytes\":" + std::to_string(i.memory_bytes) + "}";
    return o;
}

std::string user_json(const document::Document::UserView& u) {
    std::string o = "{\"id\":" + std::to_string(u.id) + ",\"name\":";
    if (u.info) {
        append_string(o, u.info->name);
        o += ",\"hue\":" + std::to_string(u.info->hue);
    } else {
        o += "null,\"hue\":null";
    }
    o += ",\"cursor\":";
    if (u.cursor) {
        o += "{\"cursors\":[";
        for (std::size_t k = 0; k < u.cursor->cursors.size(); ++k) o += (k ? "," : "") + std::to_string(u.cursor->cursors[k]);
        o += "],\"selections\":[";
        for (std::size_t k = 0; k < u.cursor->selections.size(); ++k) {
            const auto& [a, b] = u.cursor->selections[k];
            o += (k ? ",[" : "[") + std::to_string(a) + "," + std::to_string(b) + "]";
        }
        o += "]}";
    } else {
        o += "null";
    }
    return o + ",\"simulated\":" + (u.simulated ? "true" : "false") + ",\"role\":\"" +
           (u.access.read_only ? "view" : "edit") + "\",\"access\":\"" + u.access.via + "\"}";
}

// Parses a whole decimal number (digits and at most one dot); nullopt otherwise.
std::optional<double> parse_number(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    bool dot = false, digit = false;
    for (char c : s) {
        if (c >= '0' && c <= '9') digit = true;
        else if (c == '.' && !dot) dot = true;
        else return std::nullopt;
    }
    if (!digit) return std::nullopt;
    const double v = std::strtod(std::string(s).c_str(), nullptr);
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::optional<std::string_view> query(const Target& t, const char* name) {
    auto it = t.query.find(name);
    if (it == t.query.end()) return std::nullopt;
    return std::string_view(it->second);
}

http::response<http::string_body> ok(const Request& req, std::string body) {
    auto res = make_response(req, http::status::ok, std::move(body), json_type);
    res.set(http::field::cache_control, "no-store");
    return res;
}

http::response<http::string_body> unknown_room(const Request& req) {
    return json_error(req, http::status::not_found, "unknown_room", "no document with this id is in memory");
}

http::response<http::string_body> wrong_method(const Request& req, std::string_view allowed) {
    auto res = json_error(req, http::status::method_not_allowed, "method_not_allowed",
                          "allowed: " + std::string(allowed));
    res.set(http::field::allow, allowed);
    return res;
}

// Distributed mode: the room's JSON (or {"id"} when another instance has it) with the owner from
// its lease row: "owner" (instance id, null when nobody holds a valid lease), "epoch", "owned_here".
std::string with_owner(cluster::Cluster& c, const std::string& id, std::string room) {
    if (room.empty()) room = "{\"id\":\"" + id + "\"}";  // ids are [A-Za-z0-9_-] (valid_document_id)
    auto v = c.owner_of(id);
    std::string f;
    if (!v) f = ",\"owner\":null,\"owner_error\":\"lease unreadable\"";
    else {
        f = ",\"owner\":" + (v->owner.empty() ? std::string("null") : "\"" + v->owner + "\"") +
            ",\"epoch\":" + std::to_string(v->epoch) + ",\"owned_here\":" + (v->here ? "true" : "false");
    }
    room.insert(room.size() - 1, f);
    return room;
}

http::message_generator rooms(const Request& req, Context& ctx, std::string_view rest) {
    const auto m = req.method();
    if (rest.empty()) {
        if (m != http::verb::get) return wrong_method(req, "GET");
        std::string o = "{\"rooms\":[";
        bool first = true;
        for (const auto& i : ctx.registry.list()) {
            if (!first) o += ',';
            first = false;
            o += room_json(i);
        }
        return ok(req, o + "]}");
    }
    std::string_view action;
    std::string id(rest);
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        id = std::string(rest.substr(0, slash));
        action = rest.substr(slash + 1);
    }
    if (!valid_document_id(id)) return json_error(req, http::status::bad_request, "bad_id", "invalid document id");
    if (action.empty()) {
        if (m == http::verb::delete_) {
            if (!ctx.registry.evict_now(id)) return unknown_room(req);
            log::info("document evicted by an administrator", {{"document", id}});
            return ok(req, "{\"evicted\":true}");
        }
        if (m != http::verb::get) return wrong_method(req, "GET, DELETE");
        auto d = ctx.registry.find(id);
        if (ctx.cluster) return ok(req, with_owner(*ctx.cluster, id, d ? room_json(d->info()) : std::string()));
        return d ? ok(req, room_json(d->info())) : unknown_room(req);
    }
    if (action == "users") {
        if (m != http::verb::get) return wrong_method(req, "GET");
        auto d = ctx.registry.find(id);
        if (!d) return unknown_room(req);
        std::string o = "{\"users\":[";
        bool first = true;
        for (const auto& u : d->users()) {
            if (!first) o += ',';
            first = false;
            o += user_json(u);
        }
        return ok(req, o + "]}");
    }
    if (action == "persist") {
        if (m != http::verb::post) return wrong_method(req, "POST");
        auto revision = ctx.registry.persist(id);
        if (!revision) return unknown_room(req);
        if (!ctx.storage.healthy()) {
            return json_error(req, http::status::service_unavailable, "storage_failure", "storage is failing");
        }
        return ok(req, "{\"persisted\":true,\"revision\":" + std::to_string(*revision) + "}");
    }
    return json_error(req, http::status::not_found, "not_found", "no such route");
}

http::message_generator events(const Request& req, const Target& target, Context& ctx) {
    if (req.method() != http::verb::get) return wrong_method(req, "GET");
    std::size_t limit = default_event_limit;
    if (auto l = query(target, "limit")) {
        auto n = parse_revision(*l);
        if (!n || *n == 0) return json_error(req, http::status::bad_request, "bad_limit", "limit must be an integer >= 1");
        limit = static_cast<std::size_t>(std::min<std::uint64_t>(*n, ctx.telemetry.events.capacity()));
    }
    std::string o = "{\"capacity\":" + std::to_string(ctx.telemetry.events.capacity()) +
                    ",\"total\":" + std::to_string(ctx.telemetry.events.total()) + ",\"events\":[";
    bool first = true;
    for (const auto& e : ctx.telemetry.events.recent(limit)) {
        if (!first) o += ',';
        first = false;
        o += events::to_json(e);
    }
    return ok(req, o + "]}");
}

http::message_generator simulate(const Request& req, const Target& target, Context& ctx, const std::string& id) {
    if (!valid_document_id(id)) return json_error(req, http::status::bad_request, "bad_id", "invalid document id");
    if (req.method() == http::verb::delete_) {
        const std::size_t n = ctx.simulator.remove(id);
        return ok(req, "{\"removed\":" + std::to_string(n) + "}");
    }
    if (req.method() != http::verb::post) return wrong_method(req, "POST, DELETE");
    if (ctx.shutting_down) return json_error(req, http::status::service_unavailable, "shutting_down", "server is stopping");
    const std::uint64_t max_users = ctx.config.simulate_max_users;
    auto count_text = query(target, "count");
    auto count = count_text ? parse_revision(*count_text) : std::nullopt;
    if (!count || *count == 0) {
        return json_error(req, http::status::bad_request, "bad_count", "count must be an integer >= 1");
    }
    double rate = 1.0;
    if (auto r = query(target, "rate")) {
        auto v = parse_number(*r);
        if (!v) return json_error(req, http::status::bad_request, "bad_rate", "rate must be a number >= 0");
        rate = *v;
    }
    if (rate > ctx.config.simulate_max_rate) {
        return json_error(req, http::status::bad_request, "rate_too_high",
                          "rate is limited to SIMULATE_MAX_RATE edits per second per user");
    }
    if (*count > max_users) {
        return json_error(req, http::status::bad_request, "too_many_users",
                          "at most SIMULATE_MAX_USERS (" + std::to_string(max_users) + ") simulated users per document");
    }
    auto added = ctx.simulator.add(id, static_cast<std::size_t>(*count), rate);
    if (!added) {
        if (added.error() == "too_many_users") {
            return json_error(req, http::status::bad_request, "too_many_users",
                              "at most SIMULATE_MAX_USERS (" + std::to_string(max_users) + ") simulated users per document");
        }
        return json_error(req, http::status::service_unavailable, "storage_failure", "the document could not be loaded");
    }
    std::string o = "{\"document\":";
    append_string(o, id);
    o += ",\"added\":" + std::to_string(added->size()) + ",\"users\":[";
    for (std::size_t k = 0; k < added->size(); ++k) o += (k ? "," : "") + std::to_string((*added)[k]);
    return ok(req, o + "],\"simulated_users\":" + std::to_string(ctx.simulator.count(id)) + "}");
}

}  // namespace

bool admin_path(std::string_view path) {
    return path == "/api/rooms" || path.rfind("/api/rooms/", 0) == 0 || path == "/api/events" ||
           path.rfind("/api/simulate/", 0) == 0 || path == "/api/tokens";
}

http::message_generator admin_route(const Request& req, const Target& target, Context& ctx) {
    auto header = req[http::field::authorization];
    std::optional<std::string_view> auth;
    if (req.find(http::field::authorization) != req.end()) auth = std::string_view(header.data(), header.size());
    if (!admin::authorized(ctx.config.admin_token, auth)) {
        return json_error(req, http::status::not_found, "not_found", "no such route");
    }
    const std::string& path = target.path;
    if (path == "/api/rooms") return rooms(req, ctx, "");
    if (path.rfind("/api/rooms/", 0) == 0) return rooms(req, ctx, std::string_view(path).substr(11));
    if (path == "/api/events") return events(req, target, ctx);
    if (path == "/api/tokens") return tokens_route(req, ctx);
    if (path.rfind("/api/simulate/users/", 0) == 0) return simulate(req, target, ctx, path.substr(20));
    return json_error(req, http::status::not_found, "not_found", "no such route");
}

}  // namespace kolabpad::server::net
