// Static files of the built frontend, with index.html for the app's routes (like /abc123).
#include <filesystem>

#include "net/routes.hpp"

namespace kolabpad::server::net {
namespace {

std::string_view mime_type(const std::filesystem::path& p) {
    const std::string ext = p.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json" || ext == ".map") return "application/json";
    if (ext == ".wasm") return "application/wasm";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".woff") return "font/woff";
    if (ext == ".ttf") return "font/ttf";
    return "application/octet-stream";
}

// The file for `path` inside `root`, or nullopt when the path could escape it.
std::optional<std::filesystem::path> resolve(const std::filesystem::path& root, const std::string& path) {
    if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos ||
        path.find('\\') != std::string::npos) {
        return std::nullopt;
    }
    std::filesystem::path rel;
    std::size_t i = 1;
    while (i <= path.size()) {
        const std::size_t j = std::min(path.find('/', i), path.size());
        const std::string seg = path.substr(i, j - i);
        if (seg == "..") return std::nullopt;
        if (!seg.empty() && seg != ".") rel /= seg;
        i = j + 1;
    }
    return root / rel;
}

http::message_generator send_file(const Request& req, const std::filesystem::path& file, bool immutable) {
    http::file_body::value_type body;
    beast::error_code ec;
    body.open(file.c_str(), beast::file_mode::scan, ec);
    if (ec) return make_response(req, http::status::not_found, "not found", "text/plain; charset=utf-8");
    const auto size = body.size();
    http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                        std::make_tuple(http::status::ok, req.version())};
    res.set(http::field::server, "kolabpad");
    const auto host = req[http::field::host];
    set_security_headers(res, std::string_view(host.data(), host.size()));
    res.set(http::field::content_type, mime_type(file));
    res.set(http::field::cache_control, immutable ? "public, max-age=31536000, immutable" : "no-cache");
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    if (req.method() == http::verb::head) {
        http::response<http::empty_body> head{http::status::ok, req.version()};
        head.base() = res.base();
        head.content_length(size);
        return head;
    }
    return res;
}

}  // namespace

http::message_generator serve_static(const Request& req, const std::string& dir, const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path root(dir);
    auto file = resolve(root, path);
    if (!file) return make_response(req, http::status::bad_request, "bad path", "text/plain; charset=utf-8");
    std::error_code ec;
    if (fs::is_directory(*file, ec)) *file /= "index.html";
    if (fs::is_regular_file(*file, ec)) {
        return send_file(req, *file, path.rfind("/assets/", 0) == 0);
    }
    // An app route (no file extension) gets the single-page app; a missing asset is a 404.
    const bool app_route = fs::path(path).extension().empty();
    if (app_route && fs::is_regular_file(root / "index.html", ec)) return send_file(req, root / "index.html", false);
    return make_response(req, http::status::not_found, "not found", "text/plain; charset=utf-8");
}

}  // namespace kolabpad::server::net
