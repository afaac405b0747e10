// A single-pass scanner over one History frame: strings skipped with their escapes, values skipped
// with a depth bound, numbers read only where a member's value is wanted.
#include "history_scan.hpp"

namespace kolabpad::load {

namespace {

constexpr int max_depth = 64;

class Scanner {
public:
    explicit Scanner(std::string_view s) : s_(s) {}

    bool done() {
        ws();
        return i_ == s_.size();
    }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
    }
    bool eat(char c) {
        ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool peek(char c) {
        ws();
        return i_ < s_.size() && s_[i_] == c;
    }
    // A string's raw contents (escapes left as they are); false when it is not a string.
    bool string(std::string_view& out) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        const std::size_t from = ++i_;
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == '\\') {
                i_ += 2;
                continue;
            }
            if (c == '"') {
                out = s_.substr(from, i_ - from);
                ++i_;
                return true;
            }
            ++i_;
        }
        return false;
    }
    // A non-negative integer that fits 64 bits.
    bool uint(std::uint64_t& out) {
        ws();
        const std::size_t from = i_;
        std::uint64_t v = 0;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
            const unsigned d = static_cast<unsigned>(s_[i_] - '0');
            if (v > (UINT64_MAX - d) / 10) return false;
            v = v * 10 + d;
            ++i_;
        }
        if (i_ == from || (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))) return false;
        out = v;
        return true;
    }
    // Skips any JSON value, nesting at most max_depth - depth further.
    bool skip(int depth) {
        ws();
        if (i_ >= s_.size() || depth > max_depth) return false;
        const char c = s_[i_];
        if (c == '"') {
            std::string_view ignored;
            return string(ignored);
        }
        if (c == '{' || c == '[') {
            const char close = c == '{' ? '}' : ']';
            ++i_;
            if (eat(close)) return true;
            do {
                if (c == '{') {
                    std::string_view key;
                    if (!string(key) || !eat(':')) return false;
                }
                if (!skip(depth + 1)) return false;
            } while (eat(','));
            return eat(close);
        }
        const std::size_t from = i_;
        while (i_ < s_.size()) {
            const char d = s_[i_];
            if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\n' || d == '\r' || d == '\t') break;
            ++i_;
        }
        return i_ > from;
    }
    std::size_t pos() const { return i_; }

private:
    std::string_view s_;
    std::size_t i_ = 0;
};

bool scan_entry(Scanner& sc, ScannedEntry& e, std::string& error) {
    if (!sc.eat('{')) return error = "History entry is not an object", false;
    bool have_id = false, have_op = false;
    if (!sc.eat('}')) {
        do {
            std::string_view key;
            if (!sc.string(key) || !sc.eat(':')) return error = "History entry: bad member", false;
            if (key == "id") {
                if (!sc.uint(e.user)) return error = "History entry: id is not an unsigned integer", false;
                have_id = true;
            } else if (key == "seq") {
                if (sc.peek('n')) {
                    if (!sc.skip(3)) return error = "History entry: bad seq", false;
                } else {
                    if (!sc.uint(e.seq)) return error = "History entry: seq is not an unsigned integer", false;
                    e.has_seq = true;
                }
            } else if (key == "operation") {
                sc.ws();
                const std::size_t from = sc.pos();
                if (!sc.peek('[') || !sc.skip(3)) return error = "History entry: operation is not an array", false;
                e.op_at = static_cast<std::uint32_t>(from);
                e.op_len = static_cast<std::uint32_t>(sc.pos() - from);
                have_op = true;
            } else if (!sc.skip(3)) {
                return error = "History entry: bad value", false;
            }
        } while (sc.eat(','));
        if (!sc.eat('}')) return error = "History entry: expected '}'", false;
    }
    if (!have_id || !have_op) return error = "History entry without id or operation", false;
    return true;
}

}  // namespace

bool scan_history(std::string_view frame, ScannedHistory& out, std::string& error) {
    if (frame.size() > UINT32_MAX) return error = "History frame too large", false;
    out.entries.clear();
    Scanner sc(frame);
    std::string_view key;
    if (!sc.eat('{') || !sc.string(key) || key != "History" || !sc.eat(':') || !sc.eat('{'))
        return error = "not a History frame", false;
    bool have_start = false, have_ops = false;
    do {
        if (!sc.string(key) || !sc.eat(':')) return error = "History: bad member", false;
        if (key == "start") {
            if (!sc.uint(out.start)) return error = "History: start is not an unsigned integer", false;
            have_start = true;
        } else if (key == "operations") {
            if (!sc.eat('[')) return error = "History: operations is not an array", false;
            if (!sc.eat(']')) {
                do {
                    ScannedEntry e;
                    if (!scan_entry(sc, e, error)) return false;
                    out.entries.push_back(e);
                } while (sc.eat(','));
                if (!sc.eat(']')) return error = "History: expected ']'", false;
            }
            have_ops = true;
        } else if (!sc.skip(2)) {
            return error = "History: bad value", false;
        }
    } while (sc.eat(','));
    if (!sc.eat('}') || !sc.eat('}') || !sc.done()) return error = "History: trailing or missing bytes", false;
    if (!have_start || !have_ops) return error = "History without start or operations", false;
    return true;
}

}  // namespace kolabpad::load
