#include "kolabpad/ot/json.hpp"

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::ot {
namespace {

// A strict parser for exactly the JSON form of an operation: an array of integers and strings.
class Parser {
public:
    explicit Parser(std::string_view s) : s_(s) {}

    Result<Operation> parse() {
        Operation op;
        skip_space();
        if (!eat('[')) return fail("expected '['");
        skip_space();
        if (eat(']')) return finish(std::move(op));
        for (;;) {
            skip_space();
            if (at_end()) return fail("unexpected end of input");
            const char c = s_[i_];
            if (c == '"') {
                std::string text;
                std::uint64_t code_points = 0;
                if (!parse_string(text, code_points)) return fail(error_);
                op.insert(text, code_points);
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                std::int64_t n = 0;
                if (!parse_integer(n)) return fail(error_);
                if (n > 0) op.retain(static_cast<std::uint64_t>(n));
                if (n < 0) op.remove(static_cast<std::uint64_t>(-n));
            } else {
                return fail("expected an integer or a string");
            }
            skip_space();
            if (eat(']')) return finish(std::move(op));
            if (!eat(',')) return fail("expected ',' or ']'");
        }
    }

private:
    Result<Operation> finish(Operation op) {
        skip_space();
        if (!at_end()) return fail("trailing characters after the array");
        // Merged neighbours must still print as valid numbers, so that printing round-trips.
        for (const Component& c : op.components()) {
            if (c.kind != Kind::insert && c.n > max_json_component) return fail("component longer than 2^31 - 1");
        }
        return op;
    }

    Error fail(const std::string& why) const {
        return Error{"invalid operation JSON at byte " + std::to_string(i_) + ": " + why};
    }

    bool at_end() const { return i_ >= s_.size(); }
    bool eat(char c) {
        if (!at_end() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void skip_space() {
        while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool error(const char* why) {
        error_ = why;
        return false;
    }

    bool parse_integer(std::int64_t& out) {
        const bool negative = eat('-');
        if (at_end() || s_[i_] < '0' || s_[i_] > '9') return error("expected a digit");
        if (s_[i_] == '0' && i_ + 1 < s_.size() && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9') {
            return error("leading zeros are not allowed");
        }
        std::uint64_t value = 0;
        while (!at_end() && s_[i_] >= '0' && s_[i_] <= '9') {
            value = value * 10 + static_cast<std::uint64_t>(s_[i_] - '0');
            if (value > max_json_component) return error("number outside the 32-bit range");
            ++i_;
        }
        if (!at_end() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return error("numbers must be integers");
        out = negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
        return true;
    }

    bool parse_hex4(std::uint32_t& out) {
        if (s_.size() - i_ < 4) return error("truncated \\u escape");
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            out <<= 4;
            if (c >= '0' && c <= '9') out |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') out |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') out |= static_cast<std::uint32_t>(c - 'A' + 10);
            else return error("bad hex digit in \\u escape");
        }
        return true;
    }

    bool parse_escape(std::string& out) {
        if (at_end()) return error("unterminated escape");
        const char c = s_[i_++];
        switch (c) {
            case '"': out += '"'; return true;
            case '\\': out += '\\'; return true;
            case '/': out += '/'; return true;
            case 'b': out += '\b'; return true;
            case 'f': out += '\f'; return true;
            case 'n': out += '\n'; return true;
            case 'r': out += '\r'; return true;
            case 't': out += '\t'; return true;
            case 'u': break;
            default: return error("unknown escape");
        }
        std::uint32_t cp = 0;
        if (!parse_hex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return error("lone low surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            if (s_.size() - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u') return error("lone high surrogate");
            i_ += 2;
            if (!parse_hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return error("lone high surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        utf8::append(out, static_cast<char32_t>(cp));
        return true;
    }

    bool parse_string(std::string& out, std::uint64_t& code_points) {
        ++i_;  // opening quote
        const std::size_t start = i_;
        bool escaped = false;
        for (;;) {
            if (at_end()) return error("unterminated string");
            const auto c = static_cast<unsigned char>(s_[i_]);
            if (c == '"') break;
            if (c < 0x20) return error("control character in string");
            if (c == '\\') {
                if (!escaped) out.assign(s_.substr(start, i_ - start));
                escaped = true;
                ++i_;
                if (!parse_escape(out)) return false;
                continue;
            }
            if (escaped) out += static_cast<char>(c);
            ++i_;
        }
        if (!escaped) out.assign(s_.substr(start, i_ - start));
        ++i_;  // closing quote
        if (!utf8::is_valid(out)) return error("invalid UTF-8 in string");
        code_points = utf8::count(out);
        return true;
    }

    std::string_view s_;
    std::size_t i_ = 0;
    std::string error_;
};

}  // namespace

Result<Operation> from_json(std::string_view json) { return Parser(json).parse(); }

void append_json_string(std::string& out, std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

void append_json(std::string& out, const Operation& op) {
    out += '[';
    bool first = true;
    for (const Component& c : op.components()) {
        if (!first) out += ',';
        first = false;
        switch (c.kind) {
            case Kind::retain: out += std::to_string(c.n); break;
            case Kind::remove: out += '-'; out += std::to_string(c.n); break;
            case Kind::insert: append_json_string(out, c.text); break;
        }
    }
    out += ']';
}

std::string to_json(const Operation& op) {
    std::string out;
    append_json(out, op);
    return out;
}

}  // namespace kolabpad::ot
