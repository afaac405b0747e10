#include "auth/token_minter.hpp"

#include <nlohmann/json.hpp>

#include "auth/base64url.hpp"
#include "auth/display_name.hpp"
#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::auth {

using ot::Error;

ot::Result<TokenMinter> TokenMinter::create(const TokenSettings& settings) {
    if (!settings.signing_key) {
        return Error{"minting is unavailable: it needs a signing key (JWT_SECRET, JWT_SECRET_FILE or "
                     "JWT_PRIVATE_KEY_FILE); JWT_PUBLIC_KEY_FILE alone can only verify"};
    }
    return TokenMinter(*settings.signing_key, settings);
}

TokenMinter::TokenMinter(SigningKey key, const TokenSettings& s)
    : key_(std::move(key)), issuer_(s.issuer), audience_(s.audience), max_lifetime_(s.max_mint_lifetime_seconds),
      max_bytes_(s.max_token_bytes) {}

ot::Result<std::string> TokenMinter::mint(const MintRequest& request, std::chrono::system_clock::time_point now) const {
    if (request.documents.empty()) return Error{"documents: at least one document id or prefix is needed"};
    nlohmann::json docs = nlohmann::json::array();
    for (const auto& d : request.documents) {
        if (!parse_document_rule(d)) return Error{"documents: \"" + d + "\" is not a document id or a prefix ending in '*'"};
        docs.push_back(d);
    }
    auto name = clean_display_name(request.name);
    if (!name) return Error{"name: longer than " + std::to_string(max_display_name_chars) + " characters"};
    if (request.subject.size() > max_subject_bytes || !ot::utf8::is_valid(request.subject)) {
        return Error{"subject: expected UTF-8 of at most " + std::to_string(max_subject_bytes) + " bytes"};
    }
    for (char c : request.subject) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return Error{"subject: control characters are not allowed"};
    }
    if (request.lifetime_seconds < 1 || request.lifetime_seconds > max_lifetime_) {
        return Error{"lifetime: expected 1 to " + std::to_string(max_lifetime_) + " seconds (JWT_MAX_MINT_LIFETIME_SECONDS)"};
    }

    const std::int64_t iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    nlohmann::json claims = nlohmann::json::object();
    if (docs.size() == 1) claims["doc"] = docs[0];
    else claims["docs"] = docs;
    claims["role"] = std::string(role_name(request.role));
    if (!name->empty()) claims["name"] = *name;
    if (!request.subject.empty()) claims["sub"] = request.subject;
    claims["iat"] = iat;
    claims["exp"] = iat + request.lifetime_seconds;
    if (!issuer_.empty()) claims["iss"] = issuer_;
    if (!audience_.empty()) claims["aud"] = audience_;

    const nlohmann::json header = {{"alg", std::string(algorithm_name(key_.algorithm()))}, {"typ", "JWT"}};
    std::string token = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    auto signature = key_.sign(token);
    if (!signature) return Error{signature.error()};
    token += ".";
    token += base64url_encode(*signature);
    if (token.size() > max_bytes_) {
        return Error{"documents: the token would be longer than " + std::to_string(max_bytes_) + " bytes (JWT_MAX_TOKEN_BYTES)"};
    }
    return token;
}

}  // namespace kolabpad::server::auth
