// kolabpad-load: probes the machine's floors, connects, types, drains, checks convergence against
// GET /api/text, and reports every figure next to the CPU the tool itself used; a run in which the
// tool saturated is reported INVALID.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include <sys/resource.h>
#include <unistd.h>

#include "http_text.hpp"
#include "options.hpp"
#include "probe.hpp"
#include "runner.hpp"

using namespace kolabpad::load;
using nlohmann::json;

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// Raises the open-file limit to its hard maximum; returns the new soft limit.
rlim_t raise_nofile() {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
    getrlimit(RLIMIT_NOFILE, &r);
    return r.rlim_cur;
}

// host and port of ws://host:port/... or http://host:port/...
bool split_url(const std::string& url, std::string& host, std::string& port) {
    auto rest = url;
    for (const char* scheme : {"ws://", "http://"})
        if (rest.rfind(scheme, 0) == 0) rest = rest.substr(std::string(scheme).size());
    rest = rest.substr(0, rest.find('/'));
    auto colon = rest.rfind(':');
    if (colon == std::string::npos) return false;
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    return !host.empty() && !port.empty();
}

// True when every healthy author is idle and the clients of each document agree on the revision.
bool settled(const std::vector<ClientView>& views) {
    std::map<std::string, std::uint64_t> rev;
    for (const auto& v : views) {
        if (!v.healthy) continue;
        if (!v.idle) return false;
        auto [it, fresh] = rev.emplace(v.doc, v.revision);
        if (!fresh && it->second != v.revision) return false;
    }
    return true;
}

const char* mode_name(Mode m) { return m == Mode::rate ? "rate" : m == Mode::flat_out ? "flat-out" : "idle"; }

// Percentiles of one thread's lag probe, in ms.
Percentiles lag_of(std::vector<std::uint32_t>& us) { return percentiles(us); }

// Per second of the window (by the edit's send time): how many edits reached everyone and how fast.
json everyone_by_second(const Counters& all, Clock::time_point t0, double window) {
    const std::size_t seconds = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(window)));
    std::vector<std::vector<std::uint32_t>> by(seconds);
    for (std::size_t i = 0; i < all.everyone_us.size(); ++i) {
        const double at = std::chrono::duration<double>(all.everyone_sent[i] - t0).count();
        if (at < 0 || at >= static_cast<double>(seconds)) continue;
        by[static_cast<std::size_t>(at)].push_back(all.everyone_us[i]);
    }
    json out = json::array();
    for (auto& v : by) {
        auto p = percentiles(v);
        out.push_back({{"edits", p.count}, {"p50_ms", p.p50}, {"p95_ms", p.p95}});
    }
    return out;
}

// The /api/metrics page as numbers, or an empty map when it cannot be read.
std::map<std::string, double> metrics(const tcp::endpoint& ep, const std::string& host) {
    std::string err;
    auto page = http_get(ep, host, "/api/metrics", err);
    return page ? parse_prometheus(*page) : std::map<std::string, double>{};
}

double get(const std::map<std::string, double>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
}

int run_probe(const Options& o, std::optional<Floors>& floors, json& out) {
    std::string err;
    std::fprintf(stderr, "kolabpad-load: probing fdatasync in %s and the loopback round trip (%d samples each)...\n",
                 o.probe_dir.c_str(), o.probe_samples);
    floors = measure_floors(o.probe_dir, o.probe_samples, err);
    if (!floors) {
        std::fprintf(stderr, "kolabpad-load: probe failed: %s\n", err.c_str());
        return 64;
    }
    out = to_json(*floors);
    std::printf("  floors           4 KiB write + fdatasync p50 %.0f us (p90 %.0f); loopback round trip p50 %.1f us"
                " (p90 %.1f); %d samples each\n",
                floors->fdatasync_p50_us, floors->fdatasync_p90_us, floors->rtt_p50_us, floors->rtt_p90_us,
                floors->samples);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int code = 0;
    auto parsed = parse_options(argc, argv, code);
    if (!parsed) return code;
    const Options o = *parsed;

    std::optional<Floors> floors;
    json floors_json;
    if (!o.probe_dir.empty()) {
        if (int rc = run_probe(o, floors, floors_json)) return rc;
        if (o.probe_only) {
            if (!o.json_file.empty()) std::ofstream(o.json_file) << json{{"floors", floors_json}}.dump(2) << "\n";
            return 0;
        }
    }

    const int per_doc = o.clients_per_doc + o.readers;
    const auto total = static_cast<std::uint64_t>(o.docs) * per_doc;
    const rlim_t nofile = raise_nofile();
    if (total + 64 > nofile) {
        std::fprintf(stderr, "kolabpad-load: %llu connections need more than the open-file limit %llu\n",
                     static_cast<unsigned long long>(total), static_cast<unsigned long long>(nofile));
        return 64;
    }
    std::string host, port;
    if (!split_url(o.url, host, port)) {
        std::fprintf(stderr, "kolabpad-load: cannot read host:port from --url %s\n", o.url.c_str());
        return 64;
    }
    net::io_context resolver_ioc;
    boost::system::error_code ec;
    auto resolved = tcp::resolver(resolver_ioc).resolve(host, port, ec);
    if (ec || resolved.empty()) {
        std::fprintf(stderr, "kolabpad-load: cannot resolve %s:%s: %s\n", host.c_str(), port.c_str(), ec.message().c_str());
        return 64;
    }
    const tcp::endpoint endpoint = *resolved.begin();
    const std::string host_header = host + ":" + port;

    std::random_device rd;
    const std::uint64_t seed = o.seed ? o.seed : (static_cast<std::uint64_t>(rd()) << 32 | rd());
    char run_id[16];
    std::snprintf(run_id, sizeof run_id, "%08llx", static_cast<unsigned long long>(seed & 0xffffffffu));

    std::vector<std::unique_ptr<DocGroup>> docs;  // outlives the runners, whose connections use them
    std::vector<std::unique_ptr<Runner>> runners;
    for (int t = 0; t < o.threads; ++t) {
        Shared s;
        s.endpoint = endpoint;
        s.host = host_header;
        s.mode = o.mode;
        s.rate = o.rate;
        s.doc_size = o.doc_size;
        s.rng.seed(seed + t);
        runners.push_back(std::make_unique<Runner>(std::move(s), t));
    }
    std::vector<std::string> doc_ids;
    std::uint64_t dealt = 0;
    for (int d = 0; d < o.docs; ++d) {
        doc_ids.push_back(o.doc_prefix + "-" + run_id + "-" + std::to_string(d));
        docs.push_back(std::make_unique<DocGroup>(doc_ids.back(), o.threads));
        const std::string prefix = "L" + std::string(run_id) + "-" + std::to_string(d);
        for (int i = 0; i < per_doc; ++i) {
            const Role role = i >= o.clients_per_doc ? Role::reader : i < o.text_authors ? Role::text_author : Role::author;
            runners[dealt++ % o.threads]->add_client(*docs.back(), role, prefix + "-" + std::to_string(i));
        }
    }
    for (auto& r : runners) r->start();

    const long pid = o.server_pid;
    const long rss_before = pid ? rss_kib(pid) : -1;
    std::fprintf(stderr, "kolabpad-load: run %s, connecting %llu clients to %zu documents...\n", run_id,
                 static_cast<unsigned long long>(total), doc_ids.size());
    const double c0 = now_s();
    {
        std::vector<std::future<void>> fs;
        for (auto& r : runners) fs.push_back(r->connect_all(std::max<std::size_t>(1, o.connect_concurrency / o.threads)));
        for (auto& f : fs) f.wait();
    }
    const double connect_s = now_s() - c0;
    sleep_s(0.5);  // let the connect sequences arrive before typing
    const long rss_connected = pid ? rss_kib(pid) : -1;

    std::fprintf(stderr, "kolabpad-load: connected in %.2f s; %s for %.1f s...\n", connect_s, mode_name(o.mode), o.duration);
    const bool sample = o.metrics_interval > 0;
    const auto m0 = sample ? metrics(endpoint, host_header) : std::map<std::string, double>{};
    const CpuTime server0 = pid ? cpu_time(pid) : CpuTime{}, tool0 = self_cpu_time();
    const ContextSwitches cs0 = pid ? context_switches(pid) : ContextSwitches{};
    std::vector<CpuTime> thread0;
    std::vector<double> thread_clock0;
    for (auto& r : runners) {
        thread0.push_back(cpu_time(getpid(), r->tid()));
        thread_clock0.push_back(r->cpu_seconds());
    }
    const auto tp0 = Clock::now();
    const double t0 = now_s();
    for (auto& r : runners) r->set_typing(true);
    json gauges = json::array();
    while (true) {
        const double left = o.duration - (now_s() - t0);
        if (left <= 0) break;
        sleep_s(sample ? std::min(left, o.metrics_interval) : left);
        if (!sample || now_s() - t0 >= o.duration) continue;
        auto m = metrics(endpoint, host_header);
        gauges.push_back({{"t_s", now_s() - t0}, {"edits_total", get(m, "kolabpad_edits_total")},
                          {"send_queue_bytes", get(m, "kolabpad_send_queue_bytes")},
                          {"storage_pending_writes", get(m, "kolabpad_storage_pending_writes")}});
    }
    for (auto& r : runners) r->set_typing(false);
    const double window = now_s() - t0;
    const CpuTime server1 = pid ? cpu_time(pid) : CpuTime{}, tool1 = self_cpu_time();
    const ContextSwitches cs1 = pid ? context_switches(pid) : ContextSwitches{};
    std::vector<CpuTime> thread1;
    std::vector<double> thread_clock1;
    for (auto& r : runners) {
        thread1.push_back(cpu_time(getpid(), r->tid()));
        thread_clock1.push_back(r->cpu_seconds());
    }
    const auto m1 = sample ? metrics(endpoint, host_header) : std::map<std::string, double>{};
    const long rss_end = pid ? rss_kib(pid) : -1;

    // Drain: wait until every healthy client is idle and agrees with its document's other clients.
    const double d0 = now_s();
    bool quiet = false;
    std::vector<ClientView> views;
    while (true) {
        views.clear();
        for (auto& r : runners) {
            auto v = r->views();
            views.insert(views.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
        }
        quiet = settled(views);
        if (quiet || now_s() - d0 > o.drain_timeout) break;
        sleep_s(0.1);
    }
    const double drain_s = now_s() - d0;
    if (o.inject_divergence) {
        for (auto& v : views) {
            if (v.role == Role::reader) continue;
            if (v.role == Role::text_author) v.text += "!";
            else v.length += 1;
            break;
        }
    }

    // Convergence: every healthy author's text (or length) equals the server's.
    std::map<std::string, std::string> server_text;
    json mismatches = json::array();
    std::uint64_t checked = 0, checked_text = 0, unhealthy = 0, diverged = 0;
    for (const auto& id : doc_ids) {
        std::string err;
        auto t = fetch_text(endpoint, host_header, id, err);
        if (!t) {
            ++diverged;
            mismatches.push_back({{"doc", id}, {"error", err}});
            continue;
        }
        server_text[id] = std::move(*t);
    }
    for (const auto& v : views) {
        if (!quiet) break;  // mid-flight texts prove nothing; "did not settle" is reported instead
        if (!v.healthy) {
            ++unhealthy;
            continue;
        }
        if (v.role == Role::reader) continue;  // the same revision as the authors: checked by settled()
        auto it = server_text.find(v.doc);
        if (it == server_text.end()) continue;
        ++checked;
        const bool text = v.role == Role::text_author;
        checked_text += text;
        const bool same = text ? it->second == v.text : kolabpad::ot::utf8::count(it->second) == v.length;
        if (!same) {
            ++diverged;
            if (mismatches.size() < 10)
                mismatches.push_back({{"doc", v.doc}, {"revision", v.revision}, {"kept_text", text},
                                      {"client_bytes", v.text.size()}, {"client_length", v.length},
                                      {"server_bytes", it->second.size()}});
        }
    }
    const bool converged = diverged == 0 && quiet;

    for (auto& r : runners) r->stop(std::chrono::milliseconds(3000));
    Counters all;
    std::uint64_t late = 0, incomplete = 0;
    json threads = json::array();
    std::vector<std::string> invalid;
    for (std::size_t t = 0; t < runners.size(); ++t) {
        auto& r = *runners[t];
        all.merge(r.stats());
        late += r.ticks_late();
        const CpuTime c = thread1[t] - thread0[t];
        auto lag = lag_of(r.lag_us());
        // The split comes from /proc (10 ms ticks), the total from the thread's CPU clock (ns).
        const double core = window > 0 ? (thread_clock1[t] - thread_clock0[t]) / window : 0;
        threads.push_back({{"cpu_user_s", c.user}, {"cpu_sys_s", c.sys}, {"core_fraction", core},
                           {"loop_lag", to_json(lag)}});
        char why[256];
        if (core > o.max_thread_cpu) {
            std::snprintf(why, sizeof why, "the tool saturated: thread %zu used %.2f of a core (limit %.2g)", t, core,
                          o.max_thread_cpu);
            invalid.push_back(why);
        }
        if (lag.p99 > o.max_loop_lag_ms) {
            std::snprintf(why, sizeof why,
                          "thread %zu's event loop ran late by %.2f ms at p99 (limit %.2g ms), so latencies include the"
                          " tool's own delay (the thread used %.2f of a core: bursts of work, or the machine did not"
                          " run it)",
                          t, lag.p99, o.max_loop_lag_ms, core);
            invalid.push_back(why);
        }
    }
    for (const auto& d : docs) incomplete += d->incomplete();
    const json by_second = everyone_by_second(all, tp0, window);
    auto ack = percentiles(all.ack_us);
    auto everyone = percentiles(all.everyone_us);
    const double accepted_per_s = window > 0 ? all.acks_in_window / window : 0;
    const CpuTime tool = tool1 - tool0;
    const bool valid = invalid.empty();

    json report = {
        {"config", {{"url", o.url}, {"docs", o.docs}, {"authors_per_doc", o.clients_per_doc},
                    {"text_authors_per_doc", o.text_authors}, {"readers_per_doc", o.readers},
                    {"mode", mode_name(o.mode)}, {"rate_per_author", o.mode == Mode::rate ? o.rate : 0},
                    {"duration_s", o.duration}, {"threads", o.threads}, {"doc_size", o.doc_size}, {"seed", seed},
                    {"run_id", run_id}, {"max_thread_cpu", o.max_thread_cpu}, {"max_loop_lag_ms", o.max_loop_lag_ms}}},
        {"valid", valid},
        {"invalid_reasons", invalid},
        {"connections", {{"requested", total}, {"connected", all.connected}, {"failed", all.connect_failed},
                         {"connect_s", connect_s}}},
        {"window_s", window},
        {"keystrokes", all.keystrokes},
        {"keystrokes_per_s", window > 0 ? all.keystrokes / window : 0},
        {"edits_sent", all.edits_sent},
        {"accepted_edits", all.acks},
        {"accepted_edits_in_window", all.acks_in_window},
        {"accepted_edits_per_s", accepted_per_s},
        {"edit_to_ack", to_json(ack)},
        {"edit_to_everyone", to_json(everyone)},
        {"edit_to_everyone_by_second", by_second},
        {"everyone_incomplete", incomplete},
        {"remote_entries", all.remote_entries},
        {"frames_in", all.frames_in}, {"frames_out", all.frames_out},
        {"bytes_in", all.bytes_in}, {"bytes_out", all.bytes_out},
        {"frames_in_window", all.frames_in_window}, {"history_frames_in_window", all.history_frames_in_window},
        {"entries_in_window", all.entries_in_window},
        {"errors", all.errors},
        {"ticks_late", late},
        {"drain_s", drain_s},
        {"tool", {{"cpu_user_s", tool.user}, {"cpu_sys_s", tool.sys},
                  {"core_fraction", window > 0 ? tool.total() / window : 0}, {"threads", threads},
                  {"rss_kib", rss_kib(getpid())}}},
        {"convergence", {{"ok", converged}, {"settled", quiet}, {"documents", doc_ids.size()},
                         {"authors_checked", checked}, {"authors_checked_by_text", checked_text},
                         {"clients_unhealthy", unhealthy}, {"diverged", diverged}, {"mismatches", mismatches}}},
    };
    if (floors) {
        report["floors"] = floors_json;
        if (o.mode == Mode::flat_out) {
            const double writers = static_cast<double>(o.docs) * o.clients_per_doc;
            const double limit = writers / ((floors->fdatasync_p50_us + floors->rtt_p50_us) / 1e6);
            report["disk_bound_limit_per_s"] = limit;
            report["disk_bound_fraction"] = limit > 0 ? accepted_per_s / limit : 0;
        }
    }
    const double frames = static_cast<double>(all.frames_in_window);
    const double edits = static_cast<double>(all.acks_in_window);
    if (pid) {
        const CpuTime s = server1 - server0;
        const double conns = static_cast<double>(std::max<std::uint64_t>(1, all.connected));
        auto per = [](double v, double n) { return n > 0 ? v * 1e6 / n : 0.0; };
        report["server"] = {
            {"pid", pid}, {"rss_kib_before", rss_before}, {"rss_kib_connected", rss_connected}, {"rss_kib_end", rss_end},
            {"rss_bytes_per_connection", (rss_connected - rss_before) * 1024.0 / conns},
            {"cpu_user_s", s.user}, {"cpu_sys_s", s.sys}, {"cpu_s", s.total()},
            {"core_fraction", window > 0 ? s.total() / window : 0},
            {"cpu_us_per_accepted_edit", per(s.total(), edits)},
            {"cpu_user_us_per_accepted_edit", per(s.user, edits)},
            {"cpu_sys_us_per_accepted_edit", per(s.sys, edits)},
            {"cpu_us_per_delivered_frame", per(s.total(), frames)},
            {"cpu_user_us_per_delivered_frame", per(s.user, frames)},
            {"cpu_sys_us_per_delivered_frame", per(s.sys, frames)},
            {"context_switches_voluntary", cs1.voluntary - cs0.voluntary},
            {"context_switches_involuntary", cs1.involuntary - cs0.involuntary}};
    }
    if (sample && !m0.empty() && !m1.empty()) {
        json delta = json::object();
        for (const auto& [k, v] : m1)
            if (k.find("_total") != std::string::npos || k.ends_with("_sum") || k.ends_with("_count"))
                delta[k] = v - get(m0, k);
        report["server_metrics"] = {{"delta", delta}, {"gauges", gauges}};
    }
    if (!o.json_file.empty()) std::ofstream(o.json_file) << report.dump(2) << "\n";

    std::printf("kolabpad-load %s: %d doc(s) x (%d authors (%d keep the text) + %d readers), %s", run_id, o.docs,
                o.clients_per_doc, o.text_authors, o.readers, mode_name(o.mode));
    if (o.mode == Mode::rate) std::printf(" %g/s each", o.rate);
    std::printf(", %.1f s window\n", window);
    std::printf("  connected        %llu/%llu in %.2f s\n", (unsigned long long)all.connected, (unsigned long long)total, connect_s);
    std::printf("  keystrokes       %llu (%.0f/s); edits sent %llu; accepted %llu (%.0f/s in window)\n",
                (unsigned long long)all.keystrokes, window > 0 ? all.keystrokes / window : 0.0,
                (unsigned long long)all.edits_sent, (unsigned long long)all.acks, accepted_per_s);
    std::printf("  edit->ack ms     p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  (n=%llu)\n", ack.p50, ack.p95, ack.p99, ack.max,
                (unsigned long long)ack.count);
    std::printf("  edit->everyone   p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  (n=%llu, incomplete %llu)\n", everyone.p50,
                everyone.p95, everyone.p99, everyone.max, (unsigned long long)everyone.count, (unsigned long long)incomplete);
    std::printf("  p95 by second    ");
    for (const auto& s : by_second) std::printf(" %.0f", s["p95_ms"].get<double>());
    std::printf(" ms (by send time; drained %.1f s after typing stopped)\n", drain_s);
    std::printf("  frames in/out    %llu / %llu (%llu in window, %llu History with %llu entries); bytes in/out %llu / %llu\n",
                (unsigned long long)all.frames_in, (unsigned long long)all.frames_out,
                (unsigned long long)all.frames_in_window, (unsigned long long)all.history_frames_in_window,
                (unsigned long long)all.entries_in_window, (unsigned long long)all.bytes_in,
                (unsigned long long)all.bytes_out);
    if (floors && report.contains("disk_bound_limit_per_s"))
        std::printf("  disk-bound limit %.0f writers / (fdatasync %.0f us + round trip %.1f us) = %.0f edits/s;"
                    " achieved %.0f/s = %.1f %%\n",
                    static_cast<double>(o.docs) * o.clients_per_doc, floors->fdatasync_p50_us, floors->rtt_p50_us,
                    report["disk_bound_limit_per_s"].get<double>(), accepted_per_s,
                    100 * report["disk_bound_fraction"].get<double>());
    if (pid) {
        const auto& s = report["server"];
        std::printf("  server           RSS %ld -> %ld -> %ld KiB (%.0f B/connection); CPU user %.2f + kernel %.2f s"
                    " (%.2f core)\n",
                    rss_before, rss_connected, rss_end, s["rss_bytes_per_connection"].get<double>(),
                    s["cpu_user_s"].get<double>(), s["cpu_sys_s"].get<double>(), s["core_fraction"].get<double>());
        std::printf("  server CPU       %.1f us per accepted edit (%.1f user, %.1f kernel); %.2f us per delivered frame"
                    " (%.2f user, %.2f kernel); %.2f context switches per edit\n",
                    s["cpu_us_per_accepted_edit"].get<double>(), s["cpu_user_us_per_accepted_edit"].get<double>(),
                    s["cpu_sys_us_per_accepted_edit"].get<double>(), s["cpu_us_per_delivered_frame"].get<double>(),
                    s["cpu_user_us_per_delivered_frame"].get<double>(), s["cpu_sys_us_per_delivered_frame"].get<double>(),
                    edits > 0 ? static_cast<double>(cs1.voluntary - cs0.voluntary + cs1.involuntary - cs0.involuntary) / edits : 0.0);
    }
    std::printf("  tool CPU         user %.2f + kernel %.2f s (%.2f core);", tool.user, tool.sys,
                window > 0 ? tool.total() / window : 0.0);
    for (std::size_t t = 0; t < threads.size(); ++t)
        std::printf(" thread %zu: %.2f core, loop lag p99 %.2f max %.2f ms;", t, threads[t]["core_fraction"].get<double>(),
                    threads[t]["loop_lag"]["p99_ms"].get<double>(), threads[t]["loop_lag"]["max_ms"].get<double>());
    std::printf(" ticks late %llu\n", (unsigned long long)late);
    if (report.contains("server_metrics")) {
        std::printf("  server gauges    send queue KiB:");
        for (const auto& g : gauges) std::printf(" %.0f", g["send_queue_bytes"].get<double>() / 1024);
        std::printf("; pending writes:");
        for (const auto& g : gauges) std::printf(" %.0f", g["storage_pending_writes"].get<double>());
        std::printf("\n");
    }
    for (const auto& [k, v] : all.errors) std::printf("  ERROR            %s: %llu\n", k.c_str(), (unsigned long long)v);
    if (converged)
        std::printf("  convergence      OK: %llu authors of %zu documents equal the server's text (%llu by text, the"
                    " rest by length); every reader at the same revision\n",
                    (unsigned long long)checked, doc_ids.size(), (unsigned long long)checked_text);
    else if (!quiet)
        std::printf("  NOT SETTLED: clients still had edits in flight or disagreed %.0f s after typing stopped"
                    " (server too slow for this load); texts not compared\n", drain_s);
    else
        std::printf("  CONVERGENCE FAILED: %llu of %llu authors diverged from the server's text: %s\n",
                    (unsigned long long)diverged, (unsigned long long)checked, mismatches.dump().c_str());
    if (valid)
        std::printf("  VALID            every tool thread <= %.2f core and loop lag p99 <= %.1f ms\n", o.max_thread_cpu,
                    o.max_loop_lag_ms);
    else
        for (const auto& why : invalid)
            std::printf("  INVALID          the figures above do not measure the server: %s\n", why.c_str());
    if (!quiet) return 3;
    if (!converged) return 1;
    if (all.error_total()) return 2;
    return valid ? 0 : 4;
}
