#include "auth/refusal.hpp"

namespace kolabpad::server::auth {

std::string_view reason_name(Reason r) {
    switch (r) {
        case Reason::missing: return "missing";
        case Reason::too_large: return "too_large";
        case Reason::malformed: return "malformed";
        case Reason::alg_refused: return "alg_refused";
        case Reason::bad_signature: return "bad_signature";
        case Reason::bad_claims: return "bad_claims";
        case Reason::expired: return "expired";
        case Reason::not_yet_valid: return "not_yet_valid";
        case Reason::wrong_issuer: return "wrong_issuer";
        case Reason::wrong_audience: return "wrong_audience";
        case Reason::wrong_document: return "wrong_document";
    }
    return "unknown";
}

}  // namespace kolabpad::server::auth
