#include "net/access.hpp"

#include <cctype>

#include "log/log.hpp"
#include "net/target.hpp"

namespace kolabpad::server::net {
namespace {

std::optional<std::string> query_value(const std::map<std::string, std::string>& query, const char* name) {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
}

// The token of "Bearer <token>" (scheme case-insensitive); nullopt for any other header.
std::optional<std::string> bearer_token(std::string_view header) {
    constexpr std::string_view scheme = "bearer ";
    if (header.size() <= scheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
    }
    std::string_view t = header.substr(scheme.size());
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    return std::string(t);
}

Denial unauthorized(std::string reason, std::string message, bool token) {
    return Denial{401, "unauthorized", std::move(reason), std::move(message), token};
}

}  // namespace

const char* admission_name(Admission a) {
    switch (a) {
        case Admission::view_link: return "view_link";
        case Admission::token: return "token";
        case Admission::open: break;
    }
    return "open";
}

std::optional<Admission> admission_of(std::string_view name) {
    for (Admission a : {Admission::open, Admission::view_link, Admission::token}) {
        if (name == admission_name(a)) return a;
    }
    return std::nullopt;
}

Credentials credentials_of(const std::map<std::string, std::string>& query,
                           std::optional<std::string_view> authorization) {
    Credentials c;
    c.token = query_value(query, "token");
    if (!c.token && authorization) c.token = bearer_token(*authorization);
    c.otp = query_value(query, "otp");
    c.view = query_value(query, "view");
    return c;
}

AccessPolicy::AccessPolicy(const Config& config, document::Registry& registry, Telemetry* telemetry)
    : mode_(config.auth_mode),
      token_documents_(config.token_documents),
      skew_seconds_(config.tokens.clock_skew_seconds),
      verifier_(auth::TokenVerifier::create(config.tokens)),
      registry_(registry),
      telemetry_(telemetry) {
    if (telemetry_) {
        // Every reason has a series from the start, so that a rate over it is defined before the first refusal.
        for (auth::Reason r : auth::all_reasons) telemetry_->metrics.auth_failures.add(auth::reason_name(r), 0);
        for (const char* r : {"wrong_otp", "wrong_view_link", "origin_not_allowed"}) telemetry_->metrics.auth_failures.add(r, 0);
    }
}

bool AccessPolicy::needs_token(std::string_view id) const {
    if (mode_ == auth::AuthMode::token) return true;
    if (mode_ == auth::AuthMode::open) return false;
    for (const auto& rule : token_documents_) {
        if (rule.matches(id)) return true;
    }
    return false;
}

Decision AccessPolicy::decide(const std::string& id, const Credentials& credentials, std::string_view route,
                              std::chrono::system_clock::time_point now) const {
    if (!valid_document_id(id)) return Decision{std::nullopt, Denial{400, "bad_id", "bad_id", "invalid document id", false}};
    if (needs_token(id)) {
        if (!credentials.token || credentials.token->empty() || !verifier_) {
            return deny(id, route, unauthorized("missing", "this document needs a token (?token= or Authorization: Bearer)", true));
        }
        auto granted = verifier_->authorize(*credentials.token, id, now);
        if (!granted) {
            const auth::Refusal& r = granted.refusal();
            return deny(id, route, unauthorized(std::string(auth::reason_name(r.reason)), "the token is refused: " + r.detail, true));
        }
        Grant g;
        g.role = granted->role;
        g.admission = Admission::token;
        g.tokens_only = true;
        g.name = granted->claims.name;
        g.subject = granted->claims.subject;
        g.ends_at = granted->claims.expiry() + std::chrono::seconds(skew_seconds_);
        return Decision{std::move(g), {}};
    }
    if (credentials.view) {
        switch (registry_.check_view_link(id, *credentials.view)) {
            case document::Access::allowed: {
                Grant g;
                g.role = auth::Role::view;
                g.admission = Admission::view_link;
                return Decision{std::move(g), {}};
            }
            case document::Access::denied:
                return deny(id, route, unauthorized("wrong_view_link", "this read-only link is not (or no longer) valid", false));
            case document::Access::storage_failure:
                return Decision{std::nullopt, Denial{503, "storage_failure", "storage_failure", "storage is failing", false}};
        }
    }
    switch (registry_.check_access(id, credentials.otp)) {
        case document::Access::allowed: return Decision{Grant{}, {}};
        case document::Access::denied: return deny(id, route, unauthorized("wrong_otp", "wrong or missing otp", false));
        case document::Access::storage_failure: break;
    }
    return Decision{std::nullopt, Denial{503, "storage_failure", "storage_failure", "storage is failing", false}};
}

Decision AccessPolicy::deny(const std::string& id, std::string_view route, Denial d) const {
    record_refusal(id, d.reason, route);
    return Decision{std::nullopt, std::move(d)};
}

void AccessPolicy::record_refusal(const std::string& id, std::string_view reason, std::string_view route) const {
    // Never the credentials: only the document, the route and the reason's name.
    log::debug("access refused", {{"document", id}, {"route", std::string(route)}, {"reason", std::string(reason)}});
    if (!telemetry_) return;
    telemetry_->metrics.auth_failures.add(reason);
    telemetry_->events.record("auth_failure", id, std::nullopt, std::string(route) + ":" + std::string(reason));
}

}  // namespace kolabpad::server::net
