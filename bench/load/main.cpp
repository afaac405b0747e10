// kolabpad-load: connects, types, drains, checks convergence against GET /api/text, reports.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include <sys/resource.h>
#include <unistd.h>

#include "http_text.hpp"
#include "options.hpp"
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

// True when every healthy client is idle and the clients of each document agree on the revision.
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

}  // namespace

int main(int argc, char** argv) {
    int code = 0;
    auto parsed = parse_options(argc, argv, code);
    if (!parsed) return code;
    const Options o = *parsed;
    const auto total = static_cast<std::uint64_t>(o.docs) * o.clients_per_doc;
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
    beast::error_code ec;
    auto resolved = tcp::resolver(resolver_ioc).resolve(host, port, ec);
    if (ec || resolved.empty()) {
        std::fprintf(stderr, "kolabpad-load: cannot resolve %s:%s: %s\n", host.c_str(), port.c_str(), ec.message().c_str());
        return 64;
    }
    const tcp::endpoint endpoint = *resolved.begin();

    std::random_device rd;
    const std::uint64_t seed = o.seed ? o.seed : (static_cast<std::uint64_t>(rd()) << 32 | rd());
    char run_id[16];
    std::snprintf(run_id, sizeof run_id, "%08llx", static_cast<unsigned long long>(seed & 0xffffffffu));

    std::vector<std::unique_ptr<DocGroup>> docs;  // outlives the runners, whose connections use them
    std::vector<std::unique_ptr<Runner>> runners;
    for (int t = 0; t < o.threads; ++t) {
        Shared s;
        s.endpoint = endpoint;
        s.host = host + ":" + port;
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
        for (int i = 0; i < o.clients_per_doc; ++i)
            runners[dealt++ % o.threads]->add_client(*docs.back(), prefix + "-" + std::to_string(i));
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
    const double cpu0 = pid ? cpu_seconds(pid) : -1, tool_cpu0 = cpu_seconds(getpid());
    const double t0 = now_s();
    for (auto& r : runners) r->set_typing(true);
    sleep_s(o.duration);
    for (auto& r : runners) r->set_typing(false);
    const double window = now_s() - t0;
    const double cpu1 = pid ? cpu_seconds(pid) : -1, tool_cpu1 = cpu_seconds(getpid());
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
    if (o.inject_divergence && !views.empty()) views.front().text += "!";

    // Convergence: every healthy client's text equals the server's.
    std::map<std::string, std::string> server_text;
    json mismatches = json::array();
    std::uint64_t checked = 0, unhealthy = 0, diverged = 0;
    for (const auto& id : doc_ids) {
        std::string err;
        auto t = fetch_text(endpoint, host + ":" + port, id, err);
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
        auto it = server_text.find(v.doc);
        if (it == server_text.end()) continue;
        ++checked;
        if (it->second != v.text) {
            ++diverged;
            if (mismatches.size() < 10)
                mismatches.push_back({{"doc", v.doc}, {"revision", v.revision},
                                      {"client_bytes", v.text.size()}, {"server_bytes", it->second.size()}});
        }
    }
    const bool converged = diverged == 0 && quiet;

    for (auto& r : runners) r->stop(std::chrono::milliseconds(3000));
    Counters all;
    std::uint64_t late = 0, incomplete = 0;
    for (auto& r : runners) {
        all.merge(r->stats());
        late += r->ticks_late();
    }
    for (const auto& d : docs) incomplete += d->incomplete();
    auto ack = percentiles(all.ack_us);
    auto everyone = percentiles(all.everyone_us);
    const double accepted_per_s = window > 0 ? all.acks_in_window / window : 0;

    json report = {
        {"config", {{"url", o.url}, {"docs", o.docs}, {"clients_per_doc", o.clients_per_doc}, {"mode", mode_name(o.mode)},
                    {"rate_per_client", o.mode == Mode::rate ? o.rate : 0}, {"duration_s", o.duration},
                    {"threads", o.threads}, {"doc_size", o.doc_size}, {"seed", seed}, {"run_id", run_id}}},
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
        {"everyone_incomplete", incomplete},
        {"remote_entries_applied", all.remote_entries},
        {"frames_in", all.frames_in}, {"frames_out", all.frames_out},
        {"bytes_in", all.bytes_in}, {"bytes_out", all.bytes_out},
        {"errors", all.errors},
        {"ticks_late", late},
        {"drain_s", drain_s},
        {"tool", {{"cpu_s", tool_cpu1 - tool_cpu0}, {"rss_kib", rss_kib(getpid())}}},
        {"convergence", {{"ok", converged}, {"settled", quiet}, {"documents", doc_ids.size()},
                         {"clients_checked", checked}, {"clients_unhealthy", unhealthy},
                         {"diverged", diverged}, {"mismatches", mismatches}}},
    };
    if (pid) {
        const double conns = static_cast<double>(std::max<std::uint64_t>(1, all.connected));
        report["server"] = {
            {"pid", pid}, {"rss_kib_before", rss_before}, {"rss_kib_connected", rss_connected}, {"rss_kib_end", rss_end},
            {"rss_bytes_per_connection", (rss_connected - rss_before) * 1024.0 / conns},
            {"cpu_s", cpu1 - cpu0},
            {"cpu_us_per_accepted_edit", all.acks_in_window ? (cpu1 - cpu0) * 1e6 / all.acks_in_window : 0}};
    }
    if (!o.json_file.empty()) std::ofstream(o.json_file) << report.dump(2) << "\n";

    std::printf("kolabpad-load %s: %d doc(s) x %d clients, %s", run_id, o.docs, o.clients_per_doc, mode_name(o.mode));
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
    std::printf("  frames in/out    %llu / %llu; bytes in/out %llu / %llu\n", (unsigned long long)all.frames_in,
                (unsigned long long)all.frames_out, (unsigned long long)all.bytes_in, (unsigned long long)all.bytes_out);
    if (pid)
        std::printf("  server           RSS %ld -> %ld -> %ld KiB (%.0f B/connection); CPU %.2f s (%.1f us/accepted edit)\n",
                    rss_before, rss_connected, rss_end, report["server"]["rss_bytes_per_connection"].get<double>(),
                    cpu1 - cpu0, report["server"]["cpu_us_per_accepted_edit"].get<double>());
    std::printf("  tool             CPU %.2f s in window; ticks late %llu\n", tool_cpu1 - tool_cpu0, (unsigned long long)late);
    for (const auto& [k, v] : all.errors) std::printf("  ERROR            %s: %llu\n", k.c_str(), (unsigned long long)v);
    if (converged)
        std::printf("  convergence      OK: %llu clients of %zu documents equal the server's text\n",
                    (unsigned long long)checked, doc_ids.size());
    else if (!quiet)
        std::printf("  NOT SETTLED: clients still had edits in flight or disagreed %.0f s after typing stopped"
                    " (server too slow for this load); texts not compared\n", drain_s);
    else
        std::printf("  CONVERGENCE FAILED: %llu of %llu clients diverged from the server's text: %s\n",
                    (unsigned long long)diverged, (unsigned long long)checked, mismatches.dump().c_str());
    if (!quiet) return 3;
    if (!converged) return 1;
    return all.error_total() ? 2 : 0;
}
