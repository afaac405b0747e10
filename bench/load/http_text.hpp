#pragma once
// Small blocking HTTP GETs against the server: the text of a document (GET /api/text/{id}) for the
// convergence check, and /api/metrics for the server's own counters and queue sizes.

#include <map>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace kolabpad::load {

// GET `path` from `endpoint` (Host: `host`); the body on 200, otherwise nullopt and `error` set.
std::optional<std::string> http_get(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& host,
                                    const std::string& path, std::string& error);

// GET /api/text/{doc}.
std::optional<std::string> fetch_text(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& host,
                                      const std::string& doc, std::string& error);

// The unlabelled samples of a Prometheus text page (`name value` lines; labelled ones are summed
// under their bare name with a "{}" suffix), e.g. {"kolabpad_edits_total": 1234}.
std::map<std::string, double> parse_prometheus(const std::string& page);

}  // namespace kolabpad::load
