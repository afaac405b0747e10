#pragma once
// The claims of a verified token: which documents it grants, with which role, to whom, and for
// how long; and the rules that turn the claims JSON into them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/refusal.hpp"

namespace kolabpad::server::auth {

// What a token lets its holder do on a document.
enum class Role { view, edit };

// The claim value of `r` ("view", "edit").
std::string_view role_name(Role r);

// One entry of `doc`/`docs`: an exact document id, or a prefix when the entry ended in '*'.
struct DocumentRule {
    std::string text;     // the id, or the prefix without its '*'
    bool prefix = false;  // true: matches every id that starts with `text` ("*" alone: every id)

    // True when this rule covers `document_id`.
    bool matches(std::string_view document_id) const;
};

// `entry` as a rule: a valid document id ([A-Za-z0-9_-], 1 to 64 characters), or such characters
// (0 to 63 of them) followed by one '*'; nullopt for anything else ('*' elsewhere, other characters).
std::optional<DocumentRule> parse_document_rule(std::string_view entry);

// The claims of a token whose signature, times, issuer and audience have been checked.
struct Claims {
    std::vector<DocumentRule> documents;  // from `doc` and `docs`; never empty
    Role role = Role::view;               // `role`
    std::string name;                     // `name`, cleaned (display_name.hpp); empty when absent
    std::string subject;                  // `sub`; empty when absent
    std::int64_t expires_at = 0;          // `exp`, seconds since the Unix epoch (rounded down)
    std::optional<std::int64_t> not_before;  // `nbf`, seconds since the Unix epoch (rounded up)
    std::string issuer;                   // `iss`; empty when absent
    std::vector<std::string> audience;    // `aud` (a string claim gives one entry)

    // The role granted on `document_id`, or nullopt when no rule covers it.
    std::optional<Role> grants(std::string_view document_id) const;
    // `exp` as a time point (a live session is closed then).
    std::chrono::system_clock::time_point expiry() const;
};

// Most bytes in `sub`.
inline constexpr std::size_t max_subject_bytes = 256;

// The claims in `payload` (a parsed JSON object), checked for type and form only (no times, no
// issuer or audience). Refused with bad_claims when: no `doc`/`docs` entry, a malformed entry,
// `role` missing or not "edit"/"view", `name` not a string or over the name limit after
// cleaning, `sub` not a string of at most max_subject_bytes without control characters, `exp`
// missing, `exp`/`nbf` not a number from 0 to 2^53, `iss` not a string, `aud` not a string or a
// list of strings.
Checked<Claims> claims_from_json(const nlohmann::json& payload);

}  // namespace kolabpad::server::auth
