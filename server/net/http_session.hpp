#pragma once
// One HTTP connection: reads requests, answers them, hands WebSocket upgrades to a session.
// A request that does not parse is answered 400 (431 for too large headers, 413 for a too large
// body) with Connection: close before the connection closes.

#include "net/beast.hpp"
#include "net/connection_limit.hpp"
#include "net/context.hpp"

namespace kolabpad::server::net {

// Serves HTTP on an accepted socket (whose executor is its network thread's io_context) until it closes or upgrades;
// `slot` counts it against MAX_CONNECTIONS until then (a WebSocket session takes it over).
void start_http(tcp::socket socket, Context& ctx, ConnectionLimit::Slot slot);

// Answers the first request on a socket accepted past MAX_CONNECTIONS with
// 503 {"error":"too_many_connections",...} and Connection: close, then closes it.
void refuse_http(tcp::socket socket, Context& ctx, ConnectionLimit::Slot slot);

}  // namespace kolabpad::server::net
