// Blocking HTTP/1.1 GETs with Beast, used a few times per run, and a Prometheus text reader.
#include "http_text.hpp"

#include <sstream>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kolabpad::load {

namespace beast = boost::beast;
namespace http = boost::beast::http;

std::optional<std::string> http_get(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& host,
                                    const std::string& path, std::string& error) {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(endpoint, ec);
    if (ec) {
        error = "connect: " + ec.message();
        return std::nullopt;
    }
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, host);
    req.set(http::field::connection, "close");
    http::write(stream, req, ec);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    if (!ec) http::read(stream, buf, parser, ec);
    if (ec) {
        error = "GET " + path + ": " + ec.message();
        return std::nullopt;
    }
    auto res = parser.release();
    if (res.result() != http::status::ok) {
        error = "GET " + path + ": status " + std::to_string(res.result_int());
        return std::nullopt;
    }
    return std::move(res.body());
}

std::optional<std::string> fetch_text(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& host,
                                      const std::string& doc, std::string& error) {
    return http_get(endpoint, host, "/api/text/" + doc, error);
}

std::map<std::string, double> parse_prometheus(const std::string& page) {
    std::map<std::string, double> out;
    std::istringstream in(page);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        if (space == std::string::npos) continue;
        std::string name = line.substr(0, space);
        if (name.find("_bucket") != std::string::npos) continue;  // histogram buckets: only _sum and _count
        if (const auto brace = name.find('{'); brace != std::string::npos) name = name.substr(0, brace) + "{}";
        try {
            out[name] += std::stod(line.substr(space + 1));
        } catch (...) {
        }
    }
    return out;
}

}  // namespace kolabpad::load
