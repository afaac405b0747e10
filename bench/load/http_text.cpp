// A blocking HTTP/1.1 GET with Beast, used once per document after the run.
#include "http_text.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kolabpad::load {

namespace beast = boost::beast;
namespace http = boost::beast::http;

std::optional<std::string> fetch_text(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& host,
                                      const std::string& doc, std::string& error) {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(endpoint, ec);
    if (ec) {
        error = "connect: " + ec.message();
        return std::nullopt;
    }
    http::request<http::empty_body> req{http::verb::get, "/api/text/" + doc, 11};
    req.set(http::field::host, host);
    req.set(http::field::connection, "close");
    http::write(stream, req, ec);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    if (!ec) http::read(stream, buf, parser, ec);
    if (ec) {
        error = "GET /api/text/" + doc + ": " + ec.message();
        return std::nullopt;
    }
    auto res = parser.release();
    if (res.result() != http::status::ok) {
        error = "GET /api/text/" + doc + ": status " + std::to_string(res.result_int());
        return std::nullopt;
    }
    return std::move(res.body());
}

}  // namespace kolabpad::load
