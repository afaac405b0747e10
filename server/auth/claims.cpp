#include "auth/claims.hpp"

#include <cmath>

#include "auth/display_name.hpp"
#include "net/target.hpp"

namespace kolabpad::server::auth {
namespace {

using nlohmann::json;

Refusal bad(std::string detail) { return Refusal{Reason::bad_claims, std::move(detail)}; }

// Largest NumericDate accepted: 2^53, the largest integer a double holds exactly.
constexpr double max_numeric_date = 9007199254740992.0;

// A NumericDate (RFC 7519: seconds, possibly fractional); nullopt when not a number in range.
std::optional<double> numeric_date(const json& j) {
    if (!j.is_number()) return std::nullopt;
    const double d = j.get<double>();
    if (!std::isfinite(d) || d < 0 || d > max_numeric_date) return std::nullopt;
    return d;
}

bool has_control(std::string_view s) {
    for (char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7F) return true;
    }
    return false;
}

std::optional<Refusal> add_rule(const json& entry, std::vector<DocumentRule>& out, const char* what) {
    if (!entry.is_string()) return bad(std::string(what) + " must be a string");
    auto rule = parse_document_rule(entry.get_ref<const std::string&>());
    if (!rule) return bad(std::string(what) + " is not a document id or a prefix ending in '*'");
    out.push_back(std::move(*rule));
    return std::nullopt;
}

}  // namespace

std::string_view role_name(Role r) { return r == Role::edit ? "edit" : "view"; }

bool DocumentRule::matches(std::string_view document_id) const {
    return prefix ? document_id.substr(0, text.size()) == text : document_id == text;
}

std::optional<DocumentRule> parse_document_rule(std::string_view entry) {
    if (!entry.empty() && entry.back() == '*') {
        const std::string_view stem = entry.substr(0, entry.size() - 1);
        // An empty stem is "*": every document. Otherwise the stem must be id characters, with
        // room for at least one more character after it.
        if (!stem.empty() && (stem.size() >= 64 || !net::valid_document_id(stem))) return std::nullopt;
        return DocumentRule{std::string(stem), true};
    }
    if (!net::valid_document_id(entry)) return std::nullopt;
    return DocumentRule{std::string(entry), false};
}

std::optional<Role> Claims::grants(std::string_view document_id) const {
    for (const auto& rule : documents) {
        if (rule.matches(document_id)) return role;
    }
    return std::nullopt;
}

std::chrono::system_clock::time_point Claims::expiry() const {
    return std::chrono::system_clock::time_point(std::chrono::seconds(expires_at));
}

Checked<Claims> claims_from_json(const json& payload) {
    if (!payload.is_object()) return bad("the claims are not a JSON object");
    Claims c;

    if (auto it = payload.find("doc"); it != payload.end()) {
        if (auto r = add_rule(*it, c.documents, "doc")) return *r;
    }
    if (auto it = payload.find("docs"); it != payload.end()) {
        if (!it->is_array()) return bad("docs must be a list");
        for (const json& e : *it) {
            if (auto r = add_rule(e, c.documents, "an entry of docs")) return *r;
        }
    }
    if (c.documents.empty()) return bad("the token names no document (doc or docs)");

    auto role = payload.find("role");
    if (role == payload.end()) return bad("role is missing");
    if (*role == "edit") c.role = Role::edit;
    else if (*role == "view") c.role = Role::view;
    else return bad("role must be \"edit\" or \"view\"");

    if (auto it = payload.find("name"); it != payload.end()) {
        if (!it->is_string()) return bad("name must be a string");
        auto name = clean_display_name(it->get_ref<const std::string&>());
        if (!name) return bad("name is longer than " + std::to_string(max_display_name_chars) + " characters");
        c.name = std::move(*name);
    }
    if (auto it = payload.find("sub"); it != payload.end()) {
        if (!it->is_string()) return bad("sub must be a string");
        const auto& s = it->get_ref<const std::string&>();
        if (s.size() > max_subject_bytes || has_control(s)) {
            return bad("sub must have at most " + std::to_string(max_subject_bytes) + " bytes and no control characters");
        }
        c.subject = s;
    }

    auto exp = payload.find("exp");
    if (exp == payload.end()) return bad("exp is missing (tokens must expire)");
    auto e = numeric_date(*exp);
    if (!e) return bad("exp must be a number of seconds since 1970");
    c.expires_at = static_cast<std::int64_t>(std::floor(*e));
    if (auto it = payload.find("nbf"); it != payload.end()) {
        auto n = numeric_date(*it);
        if (!n) return bad("nbf must be a number of seconds since 1970");
        c.not_before = static_cast<std::int64_t>(std::ceil(*n));
    }

    if (auto it = payload.find("iss"); it != payload.end()) {
        if (!it->is_string()) return bad("iss must be a string");
        c.issuer = it->get<std::string>();
    }
    if (auto it = payload.find("aud"); it != payload.end()) {
        if (it->is_string()) {
            c.audience.push_back(it->get<std::string>());
        } else if (it->is_array()) {
            for (const json& a : *it) {
                if (!a.is_string()) return bad("aud must be a string or a list of strings");
                c.audience.push_back(a.get<std::string>());
            }
        } else {
            return bad("aud must be a string or a list of strings");
        }
    }
    return c;
}

}  // namespace kolabpad::server::auth
