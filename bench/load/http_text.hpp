#pragma once
// The server's text of a document over HTTP (GET /api/text/{id}), for the convergence check.

#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace kolabpad::load {

// GET /api/text/{doc} from `endpoint` (Host: `host`); the body on 200, otherwise nullopt and `error` set.
std::optional<std::string> fetch_text(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& host,
                                      const std::string& doc, std::string& error);

}  // namespace kolabpad::load
