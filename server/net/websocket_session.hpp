#pragma once
// The WebSocket side of /api/socket/{id}: one session per connection, bridging frames to a Document.

#include <cstdint>
#include <optional>
#include <string>

#include "net/access.hpp"
#include "net/beast.hpp"
#include "net/connection_limit.hpp"
#include "net/context.hpp"

namespace kolabpad::server::net {

// Completes the upgrade of `req` (already validated: id, origin and access) and runs the session,
// which holds the connection's MAX_CONNECTIONS `slot` until it ends. The session may do what
// `grant` allows (a viewer's changes are refused) and ends when a token grant's time is up.
void start_websocket(beast::tcp_stream stream, Request req, Context& ctx, std::string document_id,
                     std::optional<std::uint64_t> resume, ConnectionLimit::Slot slot, Grant grant);

}  // namespace kolabpad::server::net
