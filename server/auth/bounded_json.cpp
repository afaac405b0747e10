#include "auth/bounded_json.hpp"

#include <set>
#include <string>
#include <vector>

namespace kolabpad::server::auth {
namespace {

using nlohmann::json;

// A SAX pass that builds nothing: it stops (returns false) at the first nesting past the bound
// and at the first repeated key, so the DOM parse after it only ever sees shallow, unique input.
class Validator {
public:
    explicit Validator(std::size_t max_depth) : max_depth_(max_depth) {}

    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const json::string_t&) { return true; }
    bool string(json::string_t&) { return true; }
    bool binary(json::binary_t&) { return false; }
    bool start_object(std::size_t) {
        if (!enter()) return false;
        keys_.emplace_back();
        open_.push_back(true);
        return true;
    }
    bool key(json::string_t& k) {
        return keys_.back().insert(k).second;
    }
    bool end_object() {
        keys_.pop_back();
        open_.pop_back();
        return true;
    }
    bool start_array(std::size_t) {
        if (!enter()) return false;
        open_.push_back(false);
        return true;
    }
    bool end_array() {
        open_.pop_back();
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

private:
    bool enter() { return open_.size() < max_depth_; }

    std::size_t max_depth_;
    std::vector<bool> open_;                      // one entry per open container
    std::vector<std::set<std::string>> keys_;       // the keys seen in each open object
};

}  // namespace

std::optional<json> parse_bounded_object(std::string_view text, std::size_t max_bytes, std::size_t max_depth) {
    if (text.size() > max_bytes || max_depth == 0) return std::nullopt;
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || text[first] != '{') return std::nullopt;
    Validator validator(max_depth);
    if (!json::sax_parse(text, &validator, json::input_format_t::json, true)) return std::nullopt;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

}  // namespace kolabpad::server::auth
