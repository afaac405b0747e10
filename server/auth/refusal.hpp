#pragma once
// Why a token was refused: a small enum with stable names (metrics labels, event log), and
// Checked<T>, a value or a Refusal.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kolabpad::server::auth {

// Every reason a token is refused. The names (reason_name) are stable: metrics and logs use them.
enum class Reason {
    missing,         // no token where one is required
    too_large,       // longer than JWT_MAX_TOKEN_BYTES; refused before any parsing
    malformed,       // not three base64url parts, bad JSON, duplicate keys, too deep, crit header
    alg_refused,     // alg is "none", or not the one algorithm the configured key fixes
    bad_signature,   // the signature does not verify with the configured key
    bad_claims,      // a claim has the wrong type or value (role, doc pattern, name, exp missing)
    expired,         // now - skew is at or past exp
    not_yet_valid,   // now + skew is before nbf
    wrong_issuer,    // iss differs from JWT_ISSUER
    wrong_audience,  // aud does not contain JWT_AUDIENCE (or aud is present and none is configured)
    wrong_document,  // the token is valid but grants nothing on this document
};

// All reasons, in declaration order (for metrics that pre-register one counter per reason).
inline constexpr Reason all_reasons[] = {Reason::missing,        Reason::too_large,   Reason::malformed,
                                         Reason::alg_refused,    Reason::bad_signature, Reason::bad_claims,
                                         Reason::expired,        Reason::not_yet_valid, Reason::wrong_issuer,
                                         Reason::wrong_audience, Reason::wrong_document};

// The stable snake_case name of `r` ("bad_signature").
std::string_view reason_name(Reason r);

// A refusal: the reason and a short detail for logs. The detail never contains token bytes or
// claim values, so it may be logged as is.
struct Refusal {
    Reason reason;
    std::string detail;
};

// Holds either a T or a Refusal; never both.
template <class T>
class Checked {
public:
    // A successful check holding `value`.
    Checked(T value) : value_(std::move(value)) {}
    // A refused check.
    Checked(Refusal refusal) : refusal_(std::move(refusal)) {}

    // True when a value is held.
    bool ok() const { return value_.has_value(); }
    // Same as ok().
    explicit operator bool() const { return ok(); }
    // The held value; precondition: ok().
    const T& value() const& { return *value_; }
    // The held value, moved out; precondition: ok().
    T&& value() && { return std::move(*value_); }
    // The held value; precondition: ok().
    const T& operator*() const& { return *value_; }
    // Member access to the held value; precondition: ok().
    const T* operator->() const { return &*value_; }
    // The refusal; precondition: !ok().
    const Refusal& refusal() const { return *refusal_; }

private:
    std::optional<T> value_;
    std::optional<Refusal> refusal_;
};

}  // namespace kolabpad::server::auth
