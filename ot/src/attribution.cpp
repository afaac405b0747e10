#include "kolabpad/ot/attribution.hpp"

#include <algorithm>

namespace kolabpad::ot {

Attribution Attribution::uniform(std::uint64_t length, std::uint64_t author) {
    Attribution a;
    a.append(length, author);
    return a;
}

Attribution& Attribution::append(std::uint64_t length, std::uint64_t author) {
    if (length == 0) return *this;
    length_ += length;
    if (!runs_.empty() && runs_.back().author == author) {
        runs_.back().length += length;
    } else {
        runs_.push_back({length, author});
    }
    return *this;
}

std::uint64_t Attribution::author_at(std::uint64_t index) const {
    for (const AuthorRun& r : runs_) {
        if (index < r.length) return r.author;
        index -= r.length;
    }
    return unknown_author;
}

Attribution& Attribution::append(std::span<const AuthorRun> canonical) {
    if (canonical.empty()) return *this;
    append(canonical.front().length, canonical.front().author);
    for (const AuthorRun& r : canonical.subspan(1)) length_ += r.length;
    runs_.insert(runs_.end(), canonical.begin() + 1, canonical.end());
    return *this;
}

Attribution Attribution::slice(std::uint64_t from, std::uint64_t n) const {
    Attribution out;
    for (const AuthorRun& r : runs_) {
        if (n == 0) break;
        if (from >= r.length) {
            from -= r.length;
            continue;
        }
        const std::uint64_t k = std::min(r.length - from, n);
        out.append(k, r.author);
        n -= k;
        from = 0;
    }
    return out;
}

Result<Attribution> apply(const Operation& op, const Attribution& attribution, std::uint64_t author) {
    if (attribution.length() != op.base_len()) {
        return Error{"apply: attribution covers " + std::to_string(attribution.length()) +
                     " code points but the operation's base is " + std::to_string(op.base_len())};
    }
    const std::vector<AuthorRun>& runs = attribution.runs();
    Attribution out;
    out.reserve(runs.size() + op.components().size());
    std::size_t i = 0;       // current run
    std::uint64_t used = 0;  // code points of runs[i] already consumed
    for (const Component& c : op.components()) {
        if (c.kind == Kind::insert) {
            out.append(c.n, author);
            continue;
        }
        std::uint64_t n = c.n;  // the lengths match, so the runs cannot end first
        const bool keep = c.kind == Kind::retain;
        if (used > 0) {  // the rest of a run already cut
            const std::uint64_t k = std::min(runs[i].length - used, n);
            if (keep) out.append(k, runs[i].author);
            used += k;
            n -= k;
            if (used < runs[i].length) continue;
            ++i;
            used = 0;
        }
        const std::size_t whole = i;  // whole runs, copied (or skipped) at once
        while (i < runs.size() && runs[i].length <= n) n -= runs[i++].length;
        if (keep && i > whole) out.append(std::span<const AuthorRun>(runs).subspan(whole, i - whole));
        if (n > 0) {
            if (keep) out.append(n, runs[i].author);
            used = n;
        }
    }
    return out;
}

void append_json(std::string& out, const Attribution& a) {
    out += '[';
    bool first = true;
    for (const AuthorRun& r : a.runs()) {
        if (!first) out += ',';
        first = false;
        out += std::to_string(r.length);
        out += ',';
        if (r.author == unknown_author) out += "-1";
        else out += std::to_string(r.author);
    }
    out += ']';
}

std::string to_json(const Attribution& a) {
    std::string out;
    append_json(out, a);
    return out;
}

namespace {

// A strict reader of the flat array of integers; no recursion, no allocation but the result.
class AttributionParser {
public:
    AttributionParser(std::string_view s, std::uint64_t expected) : s_(s), expected_(expected) {}

    Result<Attribution> parse() {
        Attribution a;
        skip_space();
        if (!eat('[')) return fail("expected '['");
        skip_space();
        if (!eat(']')) {
            for (;;) {
                std::int64_t length = 0, author = 0;
                if (!integer(length)) return fail(error_);
                if (length <= 0) return fail("a run's length must be positive");
                if (!separator()) return fail("expected ',' between a run's length and its author");
                if (!integer(author)) return fail(error_);
                if (author < -1) return fail("an author must be -1 or a user id");
                const auto n = static_cast<std::uint64_t>(length);
                if (n > expected_ - a.length()) return fail("the runs cover more than the text");
                a.append(n, author == -1 ? unknown_author : static_cast<std::uint64_t>(author));
                skip_space();
                if (eat(']')) break;
                if (!eat(',')) return fail("expected ',' or ']'");
            }
        }
        skip_space();
        if (i_ != s_.size()) return fail("trailing characters after the array");
        if (a.length() != expected_) {
            return fail("the runs cover " + std::to_string(a.length()) + " code points, the text has " +
                        std::to_string(expected_));
        }
        return a;
    }

private:
    Error fail(const std::string& why) const {
        return Error{"invalid attribution at byte " + std::to_string(i_) + ": " + why};
    }
    bool eat(char c) {
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool separator() {
        skip_space();
        const bool ok = eat(',');
        skip_space();
        return ok;
    }
    bool integer(std::int64_t& out) {
        skip_space();
        const bool negative = eat('-');
        if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') return error("expected an integer");
        if (s_[i_] == '0' && i_ + 1 < s_.size() && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9') {
            return error("leading zeros are not allowed");
        }
        std::uint64_t v = 0;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
            v = v * 10 + static_cast<std::uint64_t>(s_[i_] - '0');
            if (v > max_author) return error("number beyond 2^53 - 1");
            ++i_;
        }
        if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return error("numbers must be integers");
        if (negative && v == 0) return error("-0 is not allowed");
        out = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
        return true;
    }
    bool error(const char* why) {
        error_ = why;
        return false;
    }

    std::string_view s_;
    std::uint64_t expected_;
    std::size_t i_ = 0;
    std::string error_;
};

}  // namespace

Result<Attribution> attribution_from_json(std::string_view json, std::uint64_t expected_length) {
    return AttributionParser(json, expected_length).parse();
}

}  // namespace kolabpad::ot
