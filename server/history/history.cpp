#include "history/history.hpp"

#include <algorithm>

#include "history/text_diff.hpp"
#include "kolabpad/ot/attribution.hpp"

namespace kolabpad::server::history {
namespace {

Failure unavailable(const std::string& why) { return {Failure::Code::unavailable, "storage: " + why}; }
Failure corrupt(const std::string& why) { return {Failure::Code::corrupt, why}; }

void add_authors(std::vector<std::uint64_t>& users, const ot::Attribution& a) {
    for (const ot::AuthorRun& r : a.runs()) {
        if (r.author != ot::unknown_author) users.push_back(r.author);
    }
}

}  // namespace

int http_status(Failure::Code code) {
    switch (code) {
        case Failure::Code::bad_request: return 400;
        case Failure::Code::not_found: return 404;
        case Failure::Code::gone: return 410;
        case Failure::Code::corrupt: return 500;
        case Failure::Code::unavailable: return 503;
    }
    return 500;
}

const char* failure_name(Failure::Code code) {
    switch (code) {
        case Failure::Code::bad_request: return "bad_request";
        case Failure::Code::not_found: return "not_found";
        case Failure::Code::gone: return "gone";
        case Failure::Code::corrupt: return "corrupt";
        case Failure::Code::unavailable: return "unavailable";
    }
    return "corrupt";
}

History::History(Source& source, HistoryOptions options, std::uint64_t max_code_points)
    : source_(source), options_(options), max_code_points_(max_code_points) {}

Answer<LogBounds> History::bounds(const std::string& document) {
    auto b = source_.bounds(document);
    if (!b) return unavailable(b.error());
    if (b->start > b->head) return corrupt("the kept log starts after its head");
    return *b;
}

Answer<std::vector<OpRecord>> History::operations(const std::string& document, std::uint64_t from, std::uint64_t to) {
    auto stored = source_.operations(document, from, to);
    if (!stored) return unavailable(stored.error());
    if (stored->size() != to - from) {
        return corrupt("operations " + std::to_string(from) + " to " + std::to_string(to) + " are incomplete");
    }
    std::vector<OpRecord> ops;
    ops.reserve(stored->size());
    for (const StoredOp& s : *stored) {
        auto op = parse_op(s);
        if (!op) return corrupt(op.error());
        if (op->revision != from + ops.size()) return corrupt("operation " + std::to_string(from + ops.size()) + " is missing");
        ops.push_back(std::move(op).value());
    }
    return ops;
}

Answer<Keyframe> History::text_at(const std::string& document, std::uint64_t revision) {
    auto b = bounds(document);
    if (!b) return b.failure();
    return text_at(document, *b, revision);
}

Answer<Keyframe> History::text_at(const std::string& document, LogBounds b, std::uint64_t revision) {
    if (revision > b.head) {
        return Failure{Failure::Code::not_found, "revision " + std::to_string(revision) +
                                                     " is past the document's current revision " + std::to_string(b.head)};
    }
    if (revision == 0) return Keyframe{};  // before the first operation, every document is ""
    auto record = source_.keyframe_at_or_before(document, revision);
    if (!record) return unavailable(record.error());
    std::optional<Keyframe> base;
    if (*record) {
        auto k = parse_keyframe(std::move(**record), max_code_points_);
        if (!k) return corrupt(k.error());
        if (k->revision > revision) return corrupt("a keyframe after the revision asked for");
        base = std::move(k).value();
    }
    if (revision < b.start) {
        if (base && base->revision == revision) return std::move(*base);
        return Failure{Failure::Code::gone, "revision " + std::to_string(revision) +
                                                " is older than the kept history (it starts at " +
                                                std::to_string(b.start) + ")"};
    }
    if (!base || base->revision < b.start) {
        if (b.start > 0) return corrupt("no keyframe at the first kept revision " + std::to_string(b.start));
        base = Keyframe{};
    }
    auto ops = operations(document, base->revision, revision);
    if (!ops) return ops.failure();
    auto at = replay(std::move(*base), *ops, revision);
    if (!at) return corrupt(at.error());
    return std::move(at).value();
}

Answer<UserDirectory> History::users_of(const std::string& document, std::vector<std::uint64_t> users) {
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    if (users.empty()) return UserDirectory{};
    auto records = source_.user_infos(document, users);
    if (!records) return unavailable(records.error());
    return UserDirectory(*records);
}

Answer<HistoryPage> History::page(const std::string& document, std::optional<std::uint64_t> before,
                                  std::optional<std::uint64_t> limit) {
    const std::uint64_t n = limit.value_or(std::min(default_page_limit, options_.page_limit_max));
    if (n < 1 || n > options_.page_limit_max) {
        return Failure{Failure::Code::bad_request,
                       "limit must be from 1 to " + std::to_string(options_.page_limit_max)};
    }
    auto b = bounds(document);
    if (!b) return b.failure();
    auto p = page_sessions(source_, document, *b, before, n, options_.session_pause_ms);
    if (!p) return corrupt(p.error());
    std::vector<std::uint64_t> users;
    for (const Session& s : p->sessions) {
        for (const SessionAuthor& a : s.authors) users.push_back(a.user);
        if (s.version) users.push_back(s.version->user);
    }
    auto dir = users_of(document, std::move(users));
    if (!dir) return dir.failure();
    return HistoryPage{*b, std::move(p).value(), std::move(dir).value()};
}

Answer<DiffView> History::diff(const std::string& document, std::uint64_t from, std::uint64_t to) {
    if (from > to) return Failure{Failure::Code::bad_request, "from must not be greater than to"};
    auto b = bounds(document);
    if (!b) return b.failure();
    auto a = text_at(document, *b, from);
    if (!a) return a.failure();
    auto z = text_at(document, *b, to);
    if (!z) return z.failure();
    ot::Operation op;
    Method method = Method::text_diff;
    if (from >= b->start && to - from <= options_.diff_max_ops) {
        auto ops = operations(document, from, to);
        if (!ops) return ops.failure();
        auto c = compose_all(*ops, a->attribution.length());
        if (!c) return corrupt(c.error());
        op = std::move(c).value();
        method = Method::composed;
    } else {
        op = text_diff(a->text, z->text, options_.text_diff_max_steps);
    }
    auto d = make_diff(*a, *z, std::move(op), method);
    if (!d) return corrupt(d.error());
    std::vector<std::uint64_t> users;
    for (const Span& s : d->spans) {
        if (s.author != ot::unknown_author) users.push_back(s.author);
    }
    auto dir = users_of(document, std::move(users));
    if (!dir) return dir.failure();
    return DiffView{std::move(d).value(), std::move(dir).value()};
}

Answer<AuthorsView> History::authors(const std::string& document, std::optional<std::uint64_t> revision) {
    auto b = bounds(document);
    if (!b) return b.failure();
    auto at = text_at(document, *b, revision.value_or(b->head));
    if (!at) return at.failure();
    std::vector<std::uint64_t> users;
    add_authors(users, at->attribution);
    auto dir = users_of(document, std::move(users));
    if (!dir) return dir.failure();
    return AuthorsView{std::move(at).value(), std::move(dir).value()};
}

Answer<RestorePlan> History::restore(const std::string& document, std::uint64_t revision) {
    auto b = bounds(document);
    if (!b) return b.failure();
    auto target = text_at(document, *b, revision);
    if (!target) return target.failure();
    const std::uint64_t head = b->head;
    std::optional<ot::Operation> since;
    std::string current;
    if (revision >= b->start && head - revision <= options_.diff_max_ops) {
        auto ops = operations(document, revision, head);
        if (!ops) return ops.failure();
        auto c = compose_all(*ops, target->attribution.length());
        if (!c) return corrupt(c.error());
        auto t = ot::apply(*c, target->text);
        if (!t) return corrupt("the log does not apply to the text at " + std::to_string(revision) + ": " + t.error());
        current = std::move(t).value();
        since = std::move(c).value();
    } else {
        auto now = text_at(document, *b, head);
        if (!now) return now.failure();
        current = std::move(now->text);
    }
    auto op = restore_operation(*target, current, since, options_.text_diff_max_steps);
    if (!op) return corrupt(op.error());
    return RestorePlan{head, std::move(op).value()};
}

}  // namespace kolabpad::server::history
