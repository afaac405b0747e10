#pragma once
// One HTTP connection: reads requests, answers them, hands WebSocket upgrades to a session.

#include "net/beast.hpp"
#include "net/context.hpp"

namespace kolabpad::server::net {

// Serves HTTP on an accepted socket (whose executor is a strand) until it closes or upgrades.
void start_http(tcp::socket socket, Context& ctx);

}  // namespace kolabpad::server::net
