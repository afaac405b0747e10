#include "protocol/messages.hpp"

#include <nlohmann/json.hpp>

#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/utf8.hpp"
#include "protocol/display_text.hpp"

namespace kolabpad::server::protocol {
namespace {

using nlohmann::json;
using ot::Error;

// nlohmann's own DOM builder (so the value is exactly what json::parse would give), stopped at the
// first array or object nested deeper than max_json_depth: dump(), comparisons and the other
// recursive walks of nlohmann then never see a deep value.
class DepthLimitedDom : public nlohmann::detail::json_sax_dom_parser<json> {
    using Base = nlohmann::detail::json_sax_dom_parser<json>;

public:
    explicit DepthLimitedDom(json& root) : Base(root, /*allow_exceptions=*/false) {}

    // The SAX events that open and close a level; the rest are the base's.
    bool start_object(std::size_t n) { return enter() && Base::start_object(n); }
    bool start_array(std::size_t n) { return enter() && Base::start_array(n); }
    bool end_object() {
        --depth_;
        return Base::end_object();
    }
    bool end_array() {
        --depth_;
        return Base::end_array();
    }

    // True when parsing stopped because the input nests too deeply.
    bool too_deep() const { return too_deep_; }

private:
    bool enter() {
        if (++depth_ <= max_json_depth) return true;
        too_deep_ = true;
        return false;
    }

    std::size_t depth_ = 0;
    bool too_deep_ = false;
};

bool is_uint(const json& j) { return j.is_number_unsigned(); }

// A string of at most max_name_chars code points, or an error naming `what`.
ot::Result<std::string> short_string(json& j, const char* what) {
    if (!j.is_string()) return Error{std::string(what) + " must be a string"};
    std::string& s = j.get_ref<std::string&>();
    if (ot::utf8::count(s) > max_name_chars) {
        return Error{std::string(what) + " is longer than " + std::to_string(max_name_chars) + " characters"};
    }
    return std::move(s);
}

// The operation of an Edit, built from the parsed array with ot::from_json's rules: integers within
// ±max_json_component (retain n > 0, delete -n, 0 ignored) and strings (insert); nothing else.
ot::Result<ot::Operation> operation_from(json& array) {
    constexpr auto max = static_cast<std::int64_t>(ot::max_json_component);
    ot::Operation op;
    op.reserve(array.size());
    for (json& c : array) {
        switch (c.type()) {
            case json::value_t::string: {
                const std::string& text = c.get_ref<const std::string&>();
                op.insert(text, ot::utf8::count(text));
                break;
            }
            case json::value_t::number_unsigned: {
                const auto n = c.get<std::uint64_t>();
                if (n > ot::max_json_component) return Error{"Edit.operation: number outside the 32-bit range"};
                op.retain(n);
                break;
            }
            case json::value_t::number_integer: {  // nlohmann keeps only negative integers here
                const auto n = c.get<std::int64_t>();
                if (n < -max || n > max) return Error{"Edit.operation: number outside the 32-bit range"};
                if (n < 0) op.remove(static_cast<std::uint64_t>(-n));
                else op.retain(static_cast<std::uint64_t>(n));
                break;
            }
            default: return Error{"Edit.operation must hold only integers and strings"};
        }
    }
    // Merged neighbours must still print as valid numbers, as ot::from_json requires.
    for (const ot::Component& c : op.components()) {
        if (c.kind != ot::Kind::insert && c.n > ot::max_json_component) {
            return Error{"Edit.operation: component longer than 2^31 - 1"};
        }
    }
    return op;
}

ot::Result<ClientMessage> parse_edit(json& v) {
    if (!v.is_object()) return Error{"Edit must be an object"};
    auto rev = v.find("revision");
    auto op = v.find("operation");
    if (rev == v.end() || !is_uint(*rev)) return Error{"Edit.revision must be a non-negative integer"};
    if (op == v.end() || !op->is_array()) return Error{"Edit.operation must be an array"};
    Edit e;
    e.revision = rev->get<std::uint64_t>();
    auto parsed = operation_from(*op);
    if (!parsed) return Error{parsed.error()};
    e.operation = std::move(parsed).value();
    if (auto c = v.find("client"); c != v.end() && !c->is_null()) {
        auto s = short_string(*c, "Edit.client");
        if (!s) return Error{s.error()};
        e.client = std::move(s).value();
    }
    if (auto q = v.find("seq"); q != v.end() && !q->is_null()) {
        if (!is_uint(*q)) return Error{"Edit.seq must be a non-negative integer"};
        e.seq = q->get<std::uint64_t>();
    }
    return ClientMessage{std::move(e)};
}

ot::Result<ClientMessage> parse_set_language(json& v) {
    auto s = short_string(v, "SetLanguage");
    if (!s) return Error{s.error()};
    if (has_display_control(s.value())) {
        return Error{"SetLanguage must not contain control or bidirectional formatting characters"};
    }
    return ClientMessage{SetLanguage{std::move(s).value()}};
}

ot::Result<ClientMessage> parse_client_info(json& v) {
    if (!v.is_object()) return Error{"ClientInfo must be an object"};
    auto name = v.find("name");
    auto hue = v.find("hue");
    if (name == v.end()) return Error{"ClientInfo.name is missing"};
    if (!name->is_string()) return Error{"ClientInfo.name must be a string"};
    // Stripped before the length check, so that a pasted name with such characters still fits.
    std::string& raw = name->get_ref<std::string&>();
    if (has_display_control(raw)) raw = strip_display_controls(raw);
    auto s = short_string(*name, "ClientInfo.name");
    if (!s) return Error{s.error()};
    if (hue == v.end() || !is_uint(*hue) || hue->get<std::uint64_t>() > 359) {
        return Error{"ClientInfo.hue must be an integer from 0 to 359"};
    }
    return ClientMessage{ClientInfo{UserInfo{std::move(s).value(), hue->get<std::uint32_t>()}}};
}

ot::Result<ClientMessage> parse_cursor(const json& v) {
    if (!v.is_object()) return Error{"CursorData must be an object"};
    auto cs = v.find("cursors");
    auto ss = v.find("selections");
    if (cs == v.end() || !cs->is_array()) return Error{"CursorData.cursors must be an array"};
    if (ss == v.end() || !ss->is_array()) return Error{"CursorData.selections must be an array"};
    if (cs->size() > max_cursors || ss->size() > max_cursors) return Error{"CursorData has too many cursors"};
    CursorData d;
    for (const json& c : *cs) {
        if (!is_uint(c)) return Error{"CursorData.cursors must hold non-negative integers"};
        d.cursors.push_back(c.get<std::uint64_t>());
    }
    for (const json& s : *ss) {
        if (!s.is_array() || s.size() != 2 || !is_uint(s[0]) || !is_uint(s[1])) {
            return Error{"CursorData.selections must hold pairs of non-negative integers"};
        }
        d.selections.emplace_back(s[0].get<std::uint64_t>(), s[1].get<std::uint64_t>());
    }
    return ClientMessage{Cursor{std::move(d)}};
}

ot::Result<ClientMessage> parse_signal(const json& v) {
    if (!v.is_object()) return Error{"Signal must be an object"};
    auto to = v.find("to");
    auto data = v.find("data");
    if (to == v.end() || !is_uint(*to)) return Error{"Signal.to must be a non-negative integer"};
    if (data == v.end()) return Error{"Signal.data is missing"};
    std::string dumped = data->dump();  // recursive, and safe: the parser bounded the depth
    if (dumped.size() > max_signal_bytes) return Error{"Signal.data is larger than 16 KiB"};
    return ClientMessage{SignalTo{to->get<std::uint64_t>(), std::move(dumped)}};
}

ot::Result<ClientMessage> parse_save_version(json& v) {
    if (!v.is_object()) return Error{"SaveVersion must be an object"};
    auto name = v.find("name");
    if (name == v.end() || !name->is_string()) return Error{"SaveVersion.name must be a string"};
    return ClientMessage{SaveVersion{std::move(name->get_ref<std::string&>())}};
}

ot::Result<ClientMessage> parse_restore(const json& v) {
    if (!v.is_object()) return Error{"Restore must be an object"};
    auto rev = v.find("revision");
    if (rev == v.end() || !is_uint(*rev)) return Error{"Restore.revision must be a non-negative integer"};
    return ClientMessage{Restore{rev->get<std::uint64_t>()}};
}

void append_uint(std::string& out, std::uint64_t n) { out += std::to_string(n); }

}  // namespace

ot::Result<ClientMessage> parse_client_message(std::string_view frame) {
    // nlohmann rejects invalid UTF-8 and lone surrogate escapes while parsing.
    json j;
    DepthLimitedDom dom(j);
    if (!json::sax_parse(frame.begin(), frame.end(), &dom)) {
        if (dom.too_deep()) return Error{"nested deeper than " + std::to_string(max_json_depth) + " levels"};
        return Error{"not valid JSON"};
    }
    if (!j.is_object() || j.size() != 1) return Error{"expected an object with exactly one key"};
    const std::string& name = j.begin().key();
    json& v = j.begin().value();
    if (name == "Edit") return parse_edit(v);
    if (name == "SetLanguage") return parse_set_language(v);
    if (name == "ClientInfo") return parse_client_info(v);
    if (name == "CursorData") return parse_cursor(v);
    if (name == "SetOTP") {
        if (!v.is_boolean()) return Error{"SetOTP must be true or false"};
        return ClientMessage{SetOtp{v.get<bool>()}};
    }
    if (name == "Signal") return parse_signal(v);
    if (name == "CreateViewLink") {
        if (!v.is_null()) return Error{"CreateViewLink must be null"};
        return ClientMessage{CreateViewLink{}};
    }
    if (name == "SaveVersion") return parse_save_version(v);
    if (name == "Restore") return parse_restore(v);
    return Error{"unknown message"};
}

std::string identity(std::uint64_t id) { return "{\"Identity\":" + std::to_string(id) + "}"; }

std::string history_entry(std::uint64_t author, const ot::Operation& op, const std::optional<std::string>& client,
                          std::optional<std::uint64_t> seq, std::optional<std::uint64_t> restore) {
    std::string s = "{\"id\":";
    append_uint(s, author);
    s += ",\"operation\":";
    ot::append_json(s, op);
    if (client) {
        s += ",\"client\":";
        ot::append_json_string(s, *client);
    }
    if (seq) {
        s += ",\"seq\":";
        append_uint(s, *seq);
    }
    if (restore) {
        s += ",\"restore\":";
        append_uint(s, *restore);
    }
    s += '}';
    return s;
}

std::string history(std::uint64_t start, std::span<const std::string* const> entries) {
    std::size_t size = 48;
    for (const std::string* e : entries) size += e->size() + 1;
    std::string s;
    s.reserve(size);
    s += "{\"History\":{\"start\":";
    append_uint(s, start);
    s += ",\"operations\":[";
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i) s += ',';
        s += *entries[i];
    }
    s += "]}}";
    return s;
}

std::string snapshot(std::uint64_t revision, std::string_view text) {
    std::string s = "{\"Snapshot\":{\"revision\":";
    append_uint(s, revision);
    s += ",\"text\":";
    ot::append_json_string(s, text);
    s += "}}";
    return s;
}

std::string language(std::string_view language) {
    std::string s = "{\"Language\":";
    ot::append_json_string(s, language);
    s += '}';
    return s;
}

std::string language_by(std::uint64_t id) { return "{\"LanguageBy\":" + std::to_string(id) + "}"; }

std::string user_info(std::uint64_t id, const std::optional<UserInfo>& info) {
    std::string s = "{\"UserInfo\":{\"id\":";
    append_uint(s, id);
    s += ",\"info\":";
    if (info) {
        s += "{\"name\":";
        ot::append_json_string(s, info->name);
        s += ",\"hue\":";
        append_uint(s, info->hue);
        s += '}';
    } else {
        s += "null";
    }
    s += "}}";
    return s;
}

std::string user_cursor(std::uint64_t id, const CursorData& data) {
    std::string s = "{\"UserCursor\":{\"id\":";
    append_uint(s, id);
    s += ",\"data\":{\"cursors\":[";
    for (std::size_t i = 0; i < data.cursors.size(); ++i) {
        if (i) s += ',';
        append_uint(s, data.cursors[i]);
    }
    s += "],\"selections\":[";
    for (std::size_t i = 0; i < data.selections.size(); ++i) {
        if (i) s += ',';
        s += '[';
        append_uint(s, data.selections[i].first);
        s += ',';
        append_uint(s, data.selections[i].second);
        s += ']';
    }
    s += "]}}}";
    return s;
}

std::string otp(const std::optional<std::string>& token, std::uint64_t user_id, std::string_view user_name) {
    std::string s = "{\"OTP\":{\"otp\":";
    if (token) ot::append_json_string(s, *token);
    else s += "null";
    s += ",\"user_id\":";
    append_uint(s, user_id);
    s += ",\"user_name\":";
    ot::append_json_string(s, user_name);
    s += "}}";
    return s;
}

std::string signal_from(std::uint64_t from, std::string_view data_json) {
    std::string s = "{\"Signal\":{\"from\":";
    append_uint(s, from);
    s += ",\"data\":";
    s += data_json;
    s += "}}";
    return s;
}

std::string rejected(std::optional<std::uint64_t> seq, std::string_view code, std::string_view message) {
    std::string s = "{\"Rejected\":{\"seq\":";
    if (seq) append_uint(s, *seq);
    else s += "null";
    s += ",\"code\":";
    ot::append_json_string(s, code);
    s += ",\"message\":";
    ot::append_json_string(s, message);
    s += "}}";
    return s;
}

std::string view_link(std::string_view token) {
    std::string s = "{\"ViewLink\":{\"token\":";
    ot::append_json_string(s, token);
    s += "}}";
    return s;
}

std::string version(std::uint64_t revision, std::string_view name, std::uint64_t user, std::int64_t time_ms) {
    std::string s = "{\"Version\":{\"revision\":";
    append_uint(s, revision);
    s += ",\"name\":";
    ot::append_json_string(s, name);
    s += ",\"user\":";
    append_uint(s, user);
    s += ",\"time\":";
    s += std::to_string(time_ms);
    s += "}}";
    return s;
}

std::string error(std::string_view code, std::string_view message) {
    std::string s = "{\"Error\":{\"code\":";
    ot::append_json_string(s, code);
    s += ",\"message\":";
    ot::append_json_string(s, message);
    s += "}}";
    return s;
}

}  // namespace kolabpad::server::protocol
