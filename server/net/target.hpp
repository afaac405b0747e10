#pragma once
// Request targets: splitting "/path?query", percent-decoding, and document id validation.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kolabpad::server::net {

// A request target split into its decoded path and its decoded query parameters.
struct Target {
    std::string path;
    std::map<std::string, std::string> query;  // the first value of each name
};

// Splits and percent-decodes `target`; nullopt when an escape is malformed.
std::optional<Target> parse_target(std::string_view target);

// True for 1 to 64 characters of [A-Za-z0-9_-].
bool valid_document_id(std::string_view id);

// Parses a non-negative decimal integer (digits only, at most 19); nullopt otherwise.
std::optional<std::uint64_t> parse_revision(std::string_view s);

}  // namespace kolabpad::server::net
