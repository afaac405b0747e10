// Runs a corpus of cases through the native OT library, one JSON result line per case line, so
// tests/wasm/native_identity.test.mjs can compare them byte for byte with the wasm package.
// A case: {"k":"apply"|"compose"|"transform"|"invert"|"transform_index","a":[..],"b":[..],"t":"..","p":n}.
// A result: the operation's JSON form, a JSON string, a number, [a',b'], or null on failure.
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "kolabpad/ot.hpp"

namespace ot = kolabpad::ot;

namespace {

// The case's operation field `key`, parsed by the library from its JSON text.
ot::Result<ot::Operation> op_field(const nlohmann::json& c, const char* key) {
    return ot::from_json(c.at(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
}

// The result line for one case.
std::string run(const nlohmann::json& c) {
    const std::string kind = c.at("k").get<std::string>();
    auto a = op_field(c, "a");
    if (!a.ok()) return "null";
    std::string out;
    if (kind == "apply" || kind == "invert") {
        const std::string text = c.at("t").get<std::string>();
        if (kind == "apply") {
            auto r = ot::apply(*a, text);
            if (!r.ok()) return "null";
            ot::append_json_string(out, *r);
        } else {
            auto r = ot::invert(*a, text);
            if (!r.ok()) return "null";
            ot::append_json(out, *r);
        }
    } else if (kind == "compose" || kind == "transform") {
        auto b = op_field(c, "b");
        if (!b.ok()) return "null";
        if (kind == "compose") {
            auto r = ot::compose(*a, *b);
            if (!r.ok()) return "null";
            ot::append_json(out, *r);
        } else {
            auto r = ot::transform(*a, *b);
            if (!r.ok()) return "null";
            out += '[';
            ot::append_json(out, r->first);
            out += ',';
            ot::append_json(out, r->second);
            out += ']';
        }
    } else if (kind == "transform_index") {
        out = std::to_string(ot::transform_index(*a, c.at("p").get<std::uint64_t>()));
    } else {
        return "null";
    }
    return out;
}

}  // namespace

int main() {
    std::ios::sync_with_stdio(false);
    std::string line;
    std::string out;
    while (std::getline(std::cin, line)) {
        const auto c = nlohmann::json::parse(line, nullptr, false);
        if (c.is_discarded()) {
            std::cerr << "corpus_tool: not JSON: " << line << '\n';
            return 2;
        }
        out += run(c);
        out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}
