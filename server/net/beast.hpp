#pragma once
// Boost.Beast/Asio includes and aliases; only net/*.cpp include this (it compiles slowly).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace kolabpad::server::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

// An HTTP request with its body in a string (bodies are small or absent here).
using Request = http::request<http::string_body>;

}  // namespace kolabpad::server::net
