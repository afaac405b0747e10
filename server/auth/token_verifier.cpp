#include "auth/token_verifier.hpp"

#include <cctype>

#include "auth/base64url.hpp"
#include "auth/bounded_json.hpp"

namespace kolabpad::server::auth {
namespace {

Refusal refuse(Reason r, std::string detail) { return Refusal{r, std::move(detail)}; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    }
    return true;
}

// The header's verdict: nullopt when it names exactly `expected` and nothing this verifier
// would have to understand but does not.
std::optional<Refusal> check_header(const nlohmann::json& h, Algorithm expected) {
    auto alg = h.find("alg");
    if (alg == h.end() || !alg->is_string()) return refuse(Reason::malformed, "the header has no alg");
    const auto& name = alg->get_ref<const std::string&>();
    if (equals_ignoring_case(name, "none")) return refuse(Reason::alg_refused, "alg none is never accepted");
    if (name != algorithm_name(expected)) {
        return refuse(Reason::alg_refused, "only " + std::string(algorithm_name(expected)) + " is accepted");
    }
    // RFC 7515 4.1.11: an unknown critical extension must be refused; none is supported.
    if (h.contains("crit")) return refuse(Reason::malformed, "the header has crit extensions");
    // enc and zip belong to encrypted tokens (JWE), which are not accepted.
    if (h.contains("enc") || h.contains("zip")) return refuse(Reason::malformed, "encrypted tokens are not accepted");
    if (auto typ = h.find("typ"); typ != h.end()) {
        if (!typ->is_string() || !equals_ignoring_case(typ->get_ref<const std::string&>(), "JWT")) {
            return refuse(Reason::malformed, "typ must be JWT");
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<TokenVerifier> TokenVerifier::create(const TokenSettings& settings) {
    if (!settings.verify_key) return std::nullopt;
    return TokenVerifier(*settings.verify_key, settings);
}

TokenVerifier::TokenVerifier(VerifyKey key, const TokenSettings& s)
    : key_(std::move(key)),
      issuer_(s.issuer),
      audience_(s.audience),
      skew_(s.clock_skew_seconds),
      max_bytes_(s.max_token_bytes) {}

Checked<Claims> TokenVerifier::verify(std::string_view token, std::chrono::system_clock::time_point now) const {
    if (token.empty()) return refuse(Reason::missing, "no token");
    if (token.size() > max_bytes_) {
        return refuse(Reason::too_large, "the token is longer than " + std::to_string(max_bytes_) + " bytes");
    }

    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return refuse(Reason::malformed, "not three dot-separated parts");
    }
    const std::string_view header_part = token.substr(0, dot1);
    const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view signature_part = token.substr(dot2 + 1);

    auto header_bytes = base64url_decode(header_part);
    if (!header_bytes) return refuse(Reason::malformed, "the header is not base64url");
    auto header = parse_bounded_object(*header_bytes, max_bytes_, max_token_json_depth);
    if (!header) return refuse(Reason::malformed, "the header is not a small JSON object with unique keys");
    if (auto r = check_header(*header, key_.algorithm())) return *r;

    auto payload_bytes = base64url_decode(payload_part);
    if (!payload_bytes) return refuse(Reason::malformed, "the claims are not base64url");
    auto signature = base64url_decode(signature_part);
    if (!signature) return refuse(Reason::malformed, "the signature is not base64url");
    if (!key_.verify(token.substr(0, dot2), *signature)) {
        return refuse(Reason::bad_signature, "the signature does not verify");
    }

    auto payload = parse_bounded_object(*payload_bytes, max_bytes_, max_token_json_depth);
    if (!payload) return refuse(Reason::malformed, "the claims are not a small JSON object with unique keys");
    auto checked = claims_from_json(*payload);
    if (!checked) return checked;
    Claims claims = std::move(checked).value();

    const std::int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (t - skew_ >= claims.expires_at) return refuse(Reason::expired, "the token has expired");
    if (claims.not_before && t + skew_ < *claims.not_before) {
        return refuse(Reason::not_yet_valid, "the token is not valid yet");
    }
    if (!issuer_.empty() && claims.issuer != issuer_) return refuse(Reason::wrong_issuer, "iss is not JWT_ISSUER");
    if (audience_.empty()) {
        // RFC 7519 4.1.3: a token meant for named audiences is refused by a server that is none of them.
        if (!claims.audience.empty()) return refuse(Reason::wrong_audience, "aud is set but JWT_AUDIENCE is not");
    } else {
        bool found = false;
        for (const auto& a : claims.audience) found = found || a == audience_;
        if (!found) return refuse(Reason::wrong_audience, "aud does not include JWT_AUDIENCE");
    }
    return claims;
}

Checked<Grant> TokenVerifier::authorize(std::string_view token, std::string_view document_id,
                                        std::chrono::system_clock::time_point now) const {
    auto claims = verify(token, now);
    if (!claims) return claims.refusal();
    auto role = claims->grants(document_id);
    if (!role) return refuse(Reason::wrong_document, "the token does not cover this document");
    return Grant{*role, std::move(claims).value()};
}

}  // namespace kolabpad::server::auth
