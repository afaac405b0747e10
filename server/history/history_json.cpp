#include "history/history_json.hpp"

#include <algorithm>
#include <map>

#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::history {
namespace {

// A JSON string of `s`; records from storage are untrusted, so invalid UTF-8 becomes U+FFFD.
void str(std::string& out, std::string_view s) {
    if (ot::utf8::is_valid(s)) ot::append_json_string(out, s);
    else ot::append_json_string(out, ot::utf8::sanitize(s));
}

void num(std::string& out, std::uint64_t n) { out += std::to_string(n); }
void num(std::string& out, std::int64_t n) { out += std::to_string(n); }

void look(std::string& out, const std::optional<UserLook>& l) {
    if (!l) {
        out += "null";
        return;
    }
    out += "{\"name\":";
    str(out, l->name);
    out += ",\"hue\":";
    num(out, std::uint64_t{l->hue});
    out += '}';
}

void author_id(std::string& out, std::uint64_t author) {
    if (author == ot::unknown_author) out += "null";
    else num(out, author);
}

// {"<id>":{"name","hue"}|null,...} for every known author in `users`, as they looked at `revision`.
void authors_map(std::string& out, std::vector<std::uint64_t> users, const UserDirectory& dir, std::uint64_t revision) {
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    out += '{';
    bool first = true;
    for (std::uint64_t u : users) {
        if (u == ot::unknown_author) continue;
        if (!first) out += ',';
        first = false;
        out += '"';
        num(out, u);
        out += "\":";
        look(out, dir.at(u, revision));
    }
    out += '}';
}

// A session's authors, one entry per look (a person who reconnected has several user ids).
void session_authors(std::string& out, const Session& s, const UserDirectory& dir) {
    struct Group {
        std::optional<UserLook> look;
        std::vector<std::uint64_t> users;
        std::uint64_t operations = 0, inserted = 0, deleted = 0;
    };
    std::vector<Group> groups;
    for (const SessionAuthor& a : s.authors) {
        std::optional<UserLook> l = dir.at(a.user, a.last_revision);
        auto g = l ? std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.look == l; })
                   : groups.end();
        if (g == groups.end()) {
            groups.push_back(Group{l, {}});
            g = groups.end() - 1;
        }
        g->users.push_back(a.user);
        g->operations += a.operations;
        g->inserted += a.inserted;
        g->deleted += a.deleted;
    }
    std::stable_sort(groups.begin(), groups.end(), [](const Group& x, const Group& y) { return x.operations > y.operations; });
    out += '[';
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const Group& g = groups[i];
        if (i) out += ',';
        out += "{\"name\":";
        if (g.look) str(out, g.look->name);
        else out += "null";
        out += ",\"hue\":";
        if (g.look) num(out, std::uint64_t{g.look->hue});
        else out += "null";
        out += ",\"users\":[";
        for (std::size_t k = 0; k < g.users.size(); ++k) {
            if (k) out += ',';
            num(out, g.users[k]);
        }
        out += "],\"operations\":";
        num(out, g.operations);
        out += ",\"inserted\":";
        num(out, g.inserted);
        out += ",\"deleted\":";
        num(out, g.deleted);
        out += '}';
    }
    out += ']';
}

void session(std::string& out, const Session& s, const UserDirectory& dir) {
    out += "{\"start\":";
    num(out, s.start);
    out += ",\"end\":";
    num(out, s.end);
    out += ",\"start_time\":";
    num(out, s.start_time_ms);
    out += ",\"end_time\":";
    num(out, s.end_time_ms);
    out += ",\"operations\":";
    num(out, s.operations);
    out += ",\"inserted\":";
    num(out, s.inserted);
    out += ",\"deleted\":";
    num(out, s.deleted);
    out += ",\"authors\":";
    session_authors(out, s, dir);
    out += ",\"version\":";
    if (s.version) {
        out += "{\"name\":";
        str(out, s.version->name);
        out += ",\"user\":";
        num(out, s.version->user);
        out += ",\"user_name\":";
        if (auto l = dir.at(s.version->user, s.version->revision)) str(out, l->name);
        else out += "null";
        out += ",\"time\":";
        num(out, s.version->time_ms);
        out += '}';
    } else {
        out += "null";
    }
    out += '}';
}

const char* kind_name(Span::Kind k) {
    switch (k) {
        case Span::Kind::kept: return "kept";
        case Span::Kind::inserted: return "inserted";
        case Span::Kind::deleted: return "deleted";
    }
    return "kept";
}

}  // namespace

std::string page_json(const HistoryPage& p) {
    std::string out = "{\"revision\":";
    num(out, p.bounds.head);
    out += ",\"first_revision\":";
    num(out, p.bounds.start);
    out += ",\"sessions\":[";
    for (std::size_t i = 0; i < p.page.sessions.size(); ++i) {
        if (i) out += ',';
        session(out, p.page.sessions[i], p.users);
    }
    out += "],\"next_before\":";
    if (p.page.next_before) num(out, *p.page.next_before);
    else out += "null";
    out += '}';
    return out;
}

std::string diff_json(const DiffView& v) {
    const Diff& d = v.diff;
    std::string out = "{\"from\":";
    num(out, d.from);
    out += ",\"to\":";
    num(out, d.to);
    out += ",\"method\":\"";
    out += method_name(d.method);
    out += "\",\"operation\":";
    ot::append_json(out, d.operation);
    out += ",\"spans\":[";
    std::vector<std::uint64_t> users;
    for (std::size_t i = 0; i < d.spans.size(); ++i) {
        const Span& s = d.spans[i];
        if (i) out += ',';
        out += "{\"kind\":\"";
        out += kind_name(s.kind);
        out += "\",\"text\":";
        str(out, s.text);
        out += ",\"author\":";
        author_id(out, s.author);
        out += '}';
        users.push_back(s.author);
    }
    out += "],\"authors\":";
    authors_map(out, std::move(users), v.users, d.to);
    out += '}';
    return out;
}

std::string authors_json(const AuthorsView& v) {
    std::string out = "{\"revision\":";
    num(out, v.at.revision);
    out += ",\"text\":";
    str(out, v.at.text);
    out += ",\"attribution\":";
    ot::append_json(out, v.at.attribution);
    out += ",\"authors\":";
    std::vector<std::uint64_t> users;
    for (const ot::AuthorRun& r : v.at.attribution.runs()) users.push_back(r.author);
    authors_map(out, std::move(users), v.users, v.at.revision);
    out += '}';
    return out;
}

std::string failure_json(const Failure& f) {
    std::string out = "{\"error\":\"";
    out += failure_name(f.code);
    out += "\",\"message\":";
    str(out, f.message);
    out += '}';
    return out;
}

}  // namespace kolabpad::server::history
