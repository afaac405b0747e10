// kolabpad-history-bench: the server's history on one document of 100,000 operations of realistic
// typing by a few authors (keyframes as HISTORY_KEYFRAME_OPS / _KB say): the text and attribution at
// random revisions, pages of the session list, diffs, restores, and what keyframes cost to keep.
//   kolabpad-history-bench                    100,000 operations, print the results table (markdown)
//   kolabpad-history-bench --ops N --samples S --keyframe-ops K
//   kolabpad-history-bench --quick            a small run (for a smoke test)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "history/history.hpp"
#include "history/memory_source.hpp"
#include "history/sessions.hpp"
#include "kolabpad/ot.hpp"

namespace ot = kolabpad::ot;
using namespace kolabpad::server::history;

namespace {

constexpr std::uint64_t kMaxCodePoints = 256 * 1024;
constexpr const char* kDoc = "bench";

// Typing as people do it: each author has a caret, types words and newlines in bursts, backspaces,
// sometimes deletes a word, pastes a block or jumps elsewhere; sessions are separated by pauses.
class Typist {
public:
    explicit Typist(std::uint64_t seed) : rng_(seed) {}

    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
    }

    // The next edit of an author whose caret is at `*caret` in a text of `len` code points.
    ot::Operation edit(std::uint64_t len, std::uint64_t* caret) {
        static const char* const words[] = {"let", "value", "return", "if", "else", "for", "fn", "x", "=", "(",
                                            ")", "{", "}", ";", "// note", "count", "+", "1"};
        static const char* const rare[] = {"🎉", "café", "👨‍👩‍👧", "\uFEFF", "naïve", "世界", "👍🏽"};
        std::uint64_t& at = *caret;
        if (at > len || between(0, 199) == 0) at = between(0, len);  // a click elsewhere
        ot::Operation op;
        op.retain(at);
        const auto kind = between(0, 999);
        std::uint64_t inserted = 0, removed = 0;
        std::string text;
        if (kind < 740 || at == 0) {  // a keystroke
            if (between(0, 80) == 0) text = rare[between(0, std::size(rare) - 1)];
            else if (between(0, 6) == 0) text = between(0, 3) == 0 ? "\n" : " ";
            else text = std::string(1, static_cast<char>('a' + between(0, 25)));
        } else if (kind < 970) {  // backspace
            removed = 1;
        } else if (kind < 994) {  // delete a word backwards
            removed = std::min<std::uint64_t>(at, between(2, 12));
        } else {  // paste a block
            for (std::uint64_t n = between(20, 120); n > 0; --n) {
                text += words[between(0, std::size(words) - 1)];
                text += between(0, 8) == 0 ? "\n" : " ";
            }
        }
        if (removed > 0) {
            removed = std::min(removed, at);
            ot::Operation back;
            back.retain(at - removed).remove(removed).retain(len - at);
            at -= removed;
            return back;
        }
        inserted = ot::utf8::count(text);
        op.insert(text, inserted).retain(len - at);
        at += inserted;
        return op;
    }

private:
    std::mt19937_64 rng_;
};

struct Built {
    MemorySource source;
    std::uint64_t revision = 0;
    std::uint64_t text_code_points = 0;
    std::uint64_t runs = 0;
    std::uint64_t keyframes = 0;
    std::uint64_t keyframe_bytes = 0;  // text + serialized attribution, summed
    std::uint64_t op_bytes = 0;        // operation JSON, summed
    double seconds = 0;
    std::vector<ot::Operation> last_ops;  // the last 1000 operations, for the live-path figure
    std::vector<std::uint64_t> last_authors;
    ot::Attribution attribution_before_last;
    std::string text;
    ot::Attribution attribution;
};

// Writes the document as the wired server would: every operation with author and time, a keyframe
// whenever the schedule says so, a ClientInfo per connection, a named version now and then.
void build(Built& b, std::uint64_t ops, KeyframePolicy policy, std::uint64_t seed) {
    const auto t0 = std::chrono::steady_clock::now();
    Typist t(seed);
    KeyframeSchedule schedule(policy);
    static const char* const names[] = {"Alice", "Bob", "Chandra", "Dmitri"};
    std::uint64_t carets[4] = {0, 0, 0, 0};
    std::uint64_t next_user = 0;
    std::uint64_t user_of[4] = {0, 0, 0, 0};
    std::int64_t now = 1'700'000'000'000;
    std::uint64_t len = 0;
    int person = 0;
    std::uint64_t burst = 0;
    std::uint64_t session_left = 0;
    for (std::uint64_t r = 0; r < ops; ++r) {
        if (session_left == 0) {  // a new editing session after a pause; everyone reconnects
            now += static_cast<std::int64_t>(t.between(10, 600)) * 60'000;
            session_left = t.between(50, 3000);
            for (int p = 0; p < 4; ++p) {
                user_of[p] = next_user++;
                b.source.put_user_info(kDoc, UserInfoRecord{user_of[p], r, now, names[p], static_cast<std::uint32_t>(p * 90)});
            }
            if (t.between(0, 9) == 0) b.source.put_version(kDoc, VersionRecord{r, "version " + std::to_string(r), user_of[0], now});
        }
        --session_left;
        if (burst == 0) {  // another person takes over for a while
            person = static_cast<int>(t.between(0, 3));
            burst = t.between(5, 400);
        }
        --burst;
        now += static_cast<std::int64_t>(t.between(60, 400));
        ot::Operation op = t.edit(len, &carets[person]);
        if (op.target_len() > kMaxCodePoints) {  // the size limit: this edit is rejected, delete a block instead
            const std::uint64_t cut = std::min<std::uint64_t>(len, 5000);
            op = ot::Operation().remove(cut).retain(len - cut);
            carets[person] = 0;
        }
        const std::uint64_t author = user_of[person];
        if (ops - r == std::min<std::uint64_t>(ops, 1000)) b.attribution_before_last = b.attribution;
        b.text = ot::apply(op, b.text).value();
        b.attribution = ot::apply(op, b.attribution, author).value();
        len = op.target_len();
        for (int p = 0; p < 4; ++p) {
            if (p != person) carets[p] = ot::transform_index(op, carets[p]);
        }
        std::string json = ot::to_json(op);
        b.op_bytes += json.size();
        const std::uint64_t bytes = json.size();
        (void)b.source.append(kDoc, StoredOp{r, std::move(json), author, now, std::nullopt, std::nullopt});
        if (schedule.note(r + 1, bytes)) {
            KeyframeRecord k = keyframe_record(Keyframe{r + 1, b.text, b.attribution});
            b.keyframe_bytes += k.text.size() + k.attribution_json->size();
            ++b.keyframes;
            b.source.put_keyframe(kDoc, std::move(k));
            schedule.saved(r + 1);
        }
        if (ops - r <= 1000) {
            b.last_ops.push_back(std::move(op));
            b.last_authors.push_back(author);
        }
    }
    b.revision = ops;
    b.text_code_points = len;
    b.runs = b.attribution.runs().size();
    b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Stats {
    double p50, p99, max;
    double rows = 0;  // mean operation rows (whole or summaries) read from the source per call
};

Stats stats(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
    return {at(0.50), at(0.99), ms.back()};
}

std::size_t sink = 0;
const MemorySource* counted = nullptr;

// Times f() once per sample; milliseconds each.
Stats time_each(std::size_t samples, const std::function<void(std::size_t)>& f) {
    std::vector<double> ms;
    const std::uint64_t rows = counted->rows_read();
    for (std::size_t i = 0; i < samples; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f(i);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    Stats s = stats(ms);
    s.rows = static_cast<double>(counted->rows_read() - rows) / static_cast<double>(samples);
    return s;
}

void row(const char* what, Stats s, const char* goal) {
    std::printf("| %-58s | %8.3f | %8.3f | %8.3f | %8.0f | %-6s |\n", what, s.p50, s.p99, s.max, s.rows, goal);
}

void must(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "failed: %s\n", what);
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t ops = 100'000;
    std::size_t samples = 500;
    HistoryOptions options;  // the defaults: keyframes every HISTORY_KEYFRAME_OPS operations or 64 KiB
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) ops = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--samples") && i + 1 < argc) samples = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--keyframe-ops") && i + 1 < argc) options.keyframes.every_ops = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--quick")) ops = 3000, samples = 20;
        else {
            std::fprintf(stderr, "usage: kolabpad-history-bench [--quick] [--ops N] [--samples N] [--keyframe-ops K]\n");
            return 2;
        }
    }
    if (ops < 10 || samples < 1 || options.keyframes.every_ops < 1) return 2;
    Built b;
    build(b, ops, options.keyframes, 1);
    History h(b.source, options, kMaxCodePoints);
    counted = &b.source;
    std::mt19937_64 rng(2);
    const auto pick = [&](std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng); };

    std::printf("Document: %llu operations by 4 people (%llu connections), %llu code points at the end in %llu author runs;\n",
                static_cast<unsigned long long>(b.revision),
                static_cast<unsigned long long>(b.source.document(kDoc).user_infos.size()),
                static_cast<unsigned long long>(b.text_code_points), static_cast<unsigned long long>(b.runs));
    std::printf("%llu keyframes (every %llu operations or %llu KiB), %.1f MiB of keyframes beside %.1f MiB of operations;"
                " built in %.1f s.\n\n",
                static_cast<unsigned long long>(b.keyframes), static_cast<unsigned long long>(options.keyframes.every_ops),
                static_cast<unsigned long long>(options.keyframes.every_bytes / 1024), b.keyframe_bytes / 1048576.0,
                b.op_bytes / 1048576.0, b.seconds);
    std::printf("| %-58s | %8s | %8s | %8s | %8s | %-6s |\n", "milliseconds per call", "p50", "p99", "max", "rows", "goal");
    std::printf("|%s|---------:|---------:|---------:|---------:|--------|\n", std::string(60, '-').c_str());

    // Text + attribution at random revisions: keyframe read and parsed, <= 100 operations parsed and replayed.
    row("text and attribution at a random revision (text_at)", time_each(samples, [&](std::size_t) {
            auto at = h.text_at(kDoc, pick(0, b.revision));
            must(at.ok(), "text_at");
            sink += at->text.size() + at->attribution.runs().size();
        }), "< 20");
    row("text at the head (the newest keyframe + replay)", time_each(std::min<std::size_t>(samples, 100), [&](std::size_t) {
            auto at = h.text_at(kDoc, b.revision);
            must(at.ok() && at->text == b.text && at->attribution == b.attribution, "text_at head");
            sink += at->text.size();
        }), "< 20");

    {
        // The worst replay the policy allows: a 250k code-point text and every_ops - 1 operations after
        // its keyframe, by two authors taking turns on every keystroke (nothing to compose).
        const std::string worst = "worst";
        std::string text(250'000, 'x');
        KeyframeSchedule schedule(options.keyframes);
        (void)b.source.append(worst, StoredOp{0, ot::to_json(ot::Operation().insert(text)), 0, 0, {}, {}});
        ot::Attribution attribution = ot::Attribution::uniform(250'000, 0);
        b.source.put_keyframe(worst, keyframe_record(Keyframe{1, text, attribution}));
        schedule.saved(1);
        std::uint64_t r = 1;
        for (; r < 1 + options.keyframes.every_ops - 1; ++r) {
            const std::uint64_t at = pick(0, 250'000);
            const ot::Operation op = ot::Operation().retain(at).insert("y").retain(250'000 + r - 1 - at);
            std::string json = ot::to_json(op);
            if (schedule.note(r + 1, json.size())) break;
            (void)b.source.append(worst, StoredOp{r, std::move(json), r % 2 + 1, 0, {}, {}});
        }
        row("worst replay: 250k code points, authors alternating", time_each(std::min<std::size_t>(samples, 50), [&](std::size_t) {
                auto at = h.text_at(worst, r);
                must(at.ok(), "worst text_at");
                sink += at->text.size();
            }), "< 20");
    }

    // Pages of the session list.
    row("newest page of sessions (limit 20)", time_each(std::min<std::size_t>(samples, 200), [&](std::size_t) {
            auto p = h.page(kDoc, std::nullopt, 20);
            must(p.ok() && p->page.sessions.size() == std::min<std::size_t>(20, p->page.sessions.size()), "page");
            sink += p->page.sessions.size();
        }), "< 50");
    row("page of sessions before a random revision (limit 20)", time_each(samples, [&](std::size_t) {
            auto p = h.page(kDoc, pick(1, b.revision + 1), 20);
            must(p.ok(), "page");
            sink += p->page.sessions.size();
        }), "< 50");
    row("page of sessions before a random revision (limit 100)", time_each(samples, [&](std::size_t) {
            auto p = h.page(kDoc, pick(1, b.revision + 1), 100);
            must(p.ok(), "page");
            sink += p->page.sessions.size();
        }), "< 50");
    {
        // The whole session list from the summaries of every operation (no storage paging).
        const auto& d = b.source.document(kDoc);
        std::vector<VersionRecord> versions;
        for (const auto& [rev, v] : d.versions) versions.push_back(v);
        std::vector<Session> all;
        row("every session of the log, from all summaries in memory", time_each(std::min<std::size_t>(samples, 20), [&](std::size_t) {
                auto s = group_sessions(d.summaries, versions, LogBounds{0, b.revision}, options.session_pause_ms);
                must(s.ok(), "group");
                sink += s->size();
                all = std::move(s).value();
            }), "");
        row("summaries of all operations parsed from their JSON", time_each(std::min<std::size_t>(samples, 5), [&](std::size_t) {
                std::uint64_t n = 0;
                for (const StoredOp& s : d.ops) n += summarize(parse_op(s).value()).inserted;
                sink += n;
            }), "");

        // Diffs: a random session (what the history panel highlights), and a random far range.
        row("diff over a random session (composed)", time_each(samples, [&](std::size_t) {
                const Session& s = all[pick(0, all.size() - 1)];
                auto v = h.diff(kDoc, s.start, s.end);
                must(v.ok(), "diff");
                sink += v->diff.spans.size();
            }), "");
    }
    row("diff between two random revisions (composed or text diff)", time_each(std::min<std::size_t>(samples, 100), [&](std::size_t) {
            const std::uint64_t a = pick(0, b.revision), z = pick(a, b.revision);
            auto v = h.diff(kDoc, a, z);
            must(v.ok(), "diff");
            sink += v->diff.spans.size();
        }), "");
    row("restore a random revision of the last 20k (inverted log)", time_each(std::min<std::size_t>(samples, 100), [&](std::size_t) {
            auto r = h.restore(kDoc, pick(b.revision > 20'000 ? b.revision - 20'000 : 0, b.revision));
            must(r.ok(), "restore");
            sink += r->op.operation.components().size();
        }), "");
    row("restore a random older revision (text diff)", time_each(std::min<std::size_t>(samples, 50), [&](std::size_t) {
            auto r = h.restore(kDoc, pick(0, b.revision > 20'001 ? b.revision - 20'001 : 0));
            must(r.ok(), "restore");
            sink += r->op.operation.components().size();
        }), "");

    // What the live edit path would add per edit: move the attribution, and (every 100 edits) copy
    // the text and attribution for a keyframe and serialize it off the lock.
    const std::size_t live = b.last_ops.size();
    std::vector<double> per_edit;
    {
        const auto t0 = std::chrono::steady_clock::now();
        ot::Attribution a = b.attribution_before_last;
        for (std::size_t i = 0; i < live; ++i) a = ot::apply(b.last_ops[i], a, b.last_authors[i]).value();
        const double total = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
        must(a == b.attribution, "live attribution");
        std::printf("\nLive path: moving the document's attribution through one edit takes %.2f us"
                    " (mean of the last %zu edits).\n",
                    total / static_cast<double>(live), live);
        const auto k0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i) {
            Keyframe copy{b.revision, b.text, b.attribution};  // under the lock: two copies
            sink += copy.text.size() + copy.attribution.runs().size();
        }
        const double copy_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - k0).count() / 20;
        const auto s0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i) sink += ot::to_json(b.attribution).size();
        const double ser_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s0).count() / 20;
        std::printf("A keyframe of the final text: %.1f us to copy text and attribution (under the lock), %.1f us to"
                    " serialize the attribution (off the lock, %zu bytes).\n",
                    copy_us, ser_us, ot::to_json(b.attribution).size());
    }
    std::fflush(stdout);
    std::fprintf(stderr, "(checksum %zu)\n", sink);
    return 0;
}
