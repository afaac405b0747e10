#include "protocol/client_tag.hpp"

#include <openssl/sha.h>

namespace kolabpad::server::protocol {

std::string client_tag(std::string_view client) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(client.data()), client.size(), digest);
    std::string out;
    out.reserve(client_tag_chars + 2);
    // Base64 of the first 18 bytes is exactly 24 characters with no padding; keep 22 of them.
    for (std::size_t i = 0; i < 18; i += 3) {
        const unsigned v = (unsigned(digest[i]) << 16) | (unsigned(digest[i + 1]) << 8) | unsigned(digest[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    out.resize(client_tag_chars);
    return out;
}

}  // namespace kolabpad::server::protocol
