#pragma once
// The one access decision for a document: the WebSocket upgrade and every document route
// (/api/text and the history routes) ask AccessPolicy::decide, before anything of the document is
// loaded. AUTH_MODE, AUTH_TOKEN_DOCUMENTS, tokens (?token=, Authorization: Bearer), the OTP
// (?otp=) and read-only links (?view=) are decided here and nowhere else. Free of Boost.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/claims.hpp"
#include "auth/token_settings.hpp"
#include "auth/token_verifier.hpp"
#include "config/config.hpp"
#include "document/registry.hpp"
#include "metrics/telemetry.hpp"

namespace kolabpad::server::net {

// WebSocket close code of a session whose token expired (after Error{code:"token_expired"}).
inline constexpr std::uint16_t close_token_expired = 4001;

// How a request was let in.
enum class Admission {
    open,       // by the document's id (and its OTP when it has one)
    view_link,  // by the document's read-only link (?view=)
    token,      // by a signed token
};

// "open", "view_link", "token".
const char* admission_name(Admission a);
// The Admission that admission_name gives `name` for, or nullopt.
std::optional<Admission> admission_of(std::string_view name);

// What a request may do on one document.
struct Grant {
    auth::Role role = auth::Role::edit;
    Admission admission = Admission::open;
    bool tokens_only = false;  // the document needs a token: OTP and read-only links are off on it
    std::string name;          // token admissions: the token's name (what others see; may be empty)
    std::string subject;       // token admissions: the token's sub
    // Token admissions: when the token stops being accepted (exp + JWT_CLOCK_SKEW_SECONDS); a live
    // session is closed then.
    std::optional<std::chrono::system_clock::time_point> ends_at;

    // True for a viewer.
    bool read_only() const { return role == auth::Role::view; }
};

// Why a request was refused, and what the answer says.
struct Denial {
    unsigned status = 401;  // 401 (no access), 400 (bad id) or 503 (storage failed)
    std::string code;       // the JSON body's "error": "unauthorized", "bad_id", "storage_failure"
    // The JSON body's "reason", also the label of kolabpad_auth_failures_total: a token refusal's
    // auth::reason_name ("missing", "expired", "bad_signature"...), "wrong_otp" or "wrong_view_link".
    std::string reason;
    std::string message;
    bool token = false;  // a token was needed: the answer carries WWW-Authenticate: Bearer
};

// The outcome of AccessPolicy::decide: a Grant, or a Denial.
struct Decision {
    std::optional<Grant> grant;
    Denial denial;  // meaningful when `grant` is empty

    // True when access is granted.
    explicit operator bool() const { return grant.has_value(); }
};

// The credentials a request carries.
struct Credentials {
    std::optional<std::string> token;  // ?token=, else the token of an Authorization: Bearer header
    std::optional<std::string> otp;    // ?otp=
    std::optional<std::string> view;   // ?view=
};

// The credentials in the query parameters `query` and the Authorization header `authorization`
// (nullopt when absent; only the Bearer scheme counts).
Credentials credentials_of(const std::map<std::string, std::string>& query,
                           std::optional<std::string_view> authorization);

// Decides access to documents from the configuration; counts and records every refusal.
// Thread-safe; lives as long as the server.
class AccessPolicy {
public:
    // `registry` answers the OTP and read-only link checks without loading documents; refusals are
    // counted in `telemetry` (when given): metrics auth_failures by reason, event "auth_failure".
    AccessPolicy(const Config& config, document::Registry& registry, Telemetry* telemetry);

    // True when `id` needs a token: AUTH_MODE=token, or mixed with an AUTH_TOKEN_DOCUMENTS rule for it.
    bool needs_token(std::string_view id) const;

    // Who may do what on document `id` with `credentials`, at time `now`. A document that needs a
    // token: a valid one that grants `id` (its role; OTP and view links do not count). Any other
    // document: a ?view= must be its read-only link (view role), else the OTP decides (edit
    // role); tokens are ignored there. Reads at most one token column of storage; never loads a
    // document. `route` ("socket", "text"...) names the route in the event log and the debug log.
    Decision decide(const std::string& id, const Credentials& credentials, std::string_view route,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

    // Counts and records a refusal decided elsewhere (the Origin check: reason "origin_not_allowed").
    void record_refusal(const std::string& id, std::string_view reason, std::string_view route) const;

private:
    Decision deny(const std::string& id, std::string_view route, Denial d) const;

    const auth::AuthMode mode_;
    const std::vector<auth::DocumentRule> token_documents_;
    const std::int64_t skew_seconds_;
    const std::optional<auth::TokenVerifier> verifier_;
    document::Registry& registry_;
    Telemetry* const telemetry_;
};

}  // namespace kolabpad::server::net
