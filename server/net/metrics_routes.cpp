// GET /api/health and GET /api/metrics (Prometheus text or JSON).
#include <cstdio>

#include "memory/memory_policy.hpp"
#include "net/routes.hpp"
#include "cluster/cluster.hpp"

namespace kolabpad::server::net {
namespace {

// Figures read from the registry, storage and the process at one moment.
struct Gauges {
    std::size_t documents = 0;
    std::size_t hot = 0;
    std::uint64_t text_bytes = 0;
    std::uint64_t memory_bytes = 0;
    std::uint64_t rss_bytes = 0;
    std::uint64_t memory_limit_bytes = 0;
    double uptime_seconds = 0;
};

Gauges read_gauges(Context& ctx) {
    Gauges g;
    for (const auto& info : ctx.registry.list()) {
        ++g.documents;
        g.hot += info.users > 0 ? 1 : 0;
        g.text_bytes += info.text_bytes;
        g.memory_bytes += info.memory_bytes;
    }
    g.rss_bytes = memory::process_rss_bytes().value_or(0);
    g.memory_limit_bytes = ctx.config.max_memory_mb * 1024 * 1024;
    g.uptime_seconds = static_cast<double>(metrics::unix_seconds() - ctx.start_time);
    return g;
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string histogram_json(const metrics::Histogram& h) {
    return "{\"count\":" + std::to_string(h.count()) + ",\"sum\":" + number(h.sum()) + ",\"p50\":" +
           number(h.quantile(0.5)) + ",\"p95\":" + number(h.quantile(0.95)) + ",\"p99\":" + number(h.quantile(0.99)) + "}";
}

std::string counters_json(const metrics::LabeledCounter& c) {
    std::string out = "{";
    for (const auto& [k, v] : c.values()) {
        if (out.size() > 1) out += ',';
        out += "\"" + k + "\":" + std::to_string(v);  // labels are our own codes: [a-z_]
    }
    return out + "}";
}

std::string prometheus(Context& ctx, const Gauges& g) {
    using metrics::append_sample;
    std::string out;
    const auto& m = ctx.metrics;
    m.append_prometheus(out);
    append_sample(out, "kolabpad_documents", "gauge", "Documents in memory.", static_cast<double>(g.documents));
    append_sample(out, "kolabpad_documents_hot", "gauge", "Documents in memory with connected users.",
                  static_cast<double>(g.hot));
    append_sample(out, "kolabpad_documents_idle", "gauge", "Documents in memory nobody is connected to.",
                  static_cast<double>(g.documents - g.hot));
    append_sample(out, "kolabpad_documents_text_bytes", "gauge", "UTF-8 bytes of the texts of documents in memory.",
                  static_cast<double>(g.text_bytes));
    append_sample(out, "kolabpad_documents_memory_bytes", "gauge",
                  "Accounted memory of documents in memory (what MAX_MEMORY_MB limits).",
                  static_cast<double>(g.memory_bytes));
    append_sample(out, "kolabpad_memory_limit_bytes", "gauge", "MAX_MEMORY_MB in bytes (0 = no limit).",
                  static_cast<double>(g.memory_limit_bytes));
    append_sample(out, "kolabpad_process_resident_bytes", "gauge", "Resident memory of the process (/proc/self/statm).",
                  static_cast<double>(g.rss_bytes));
    append_sample(out, "kolabpad_messages_per_second", "gauge", "Client messages per second over the last 10 s.",
                  m.message_rate.rate(metrics::unix_seconds()));
    append_sample(out, "kolabpad_events_total", "counter", "Events recorded in the admin event log.",
                  static_cast<double>(ctx.telemetry.events.total()));
    append_sample(out, "kolabpad_storage_healthy", "gauge", "1 when storage works, 0 when it is failing.",
                  ctx.storage.healthy() ? 1 : 0);
    append_sample(out, "kolabpad_storage_pending_writes", "gauge", "Writes queued and not yet committed.",
                  static_cast<double>(ctx.storage.pending_writes()));
    append_sample(out, "kolabpad_storage_max_pending_writes", "gauge",
                  "STORAGE_MAX_PENDING_WRITES: above it connections pause reading.",
                  static_cast<double>(ctx.config.storage_max_pending_writes));
    ctx.storage.commit_latency().append_prometheus(out, "kolabpad_commit_seconds",
                                                   "Duration of one storage commit (a batch of writes).");
    ctx.storage.commit_batch_sizes().append_prometheus(out, "kolabpad_commit_batch_size",
                                                       "Writes committed in one storage transaction.");
    const auto& limit = ctx.connection_limit;
    append_sample(out, "kolabpad_open_connections", "gauge", "Accepted sockets open (HTTP and WebSocket).",
                  static_cast<double>(limit.open()));
    append_sample(out, "kolabpad_max_connections", "gauge", "MAX_CONNECTIONS: most accepted sockets open at once.",
                  static_cast<double>(limit.max()));
    append_sample(out, "kolabpad_connections_refused_total", "counter",
                  "Connections refused past MAX_CONNECTIONS (503 too_many_connections).",
                  static_cast<double>(limit.refused_total()));
    append_sample(out, "kolabpad_accept_errors_total", "counter", "Failed accepts (out of descriptors and the like).",
                  static_cast<double>(limit.accept_errors()));
    append_sample(out, "kolabpad_document_loads_total", "counter", "Documents read from storage into memory.",
                  static_cast<double>(ctx.registry.loads()));
    append_sample(out, "kolabpad_document_loads_coalesced_total", "counter",
                  "Requests for a cold document that shared a load already under way.",
                  static_cast<double>(ctx.registry.coalesced_loads()));
    append_sample(out, "kolabpad_uptime_seconds", "gauge", "Seconds since the server started.", g.uptime_seconds);
    if (ctx.cluster) ctx.cluster->append_prometheus(out);
    return out;
}

std::string json(Context& ctx, const Gauges& g) {
    const auto& m = ctx.metrics;
    const auto u = [](const std::atomic<std::uint64_t>& a) { return std::to_string(a.load()); };
    const auto ms = [](double s) { return number(s * 1000.0); };
    std::string o = "{";
    o += "\"active_connections\":" + std::to_string(m.connections.load());
    o += ",\"messages_per_sec\":" + number(m.message_rate.rate(metrics::unix_seconds()));
    o += ",\"p50_latency_ms\":" + ms(m.edit_ack_latency.quantile(0.5));
    o += ",\"p95_latency_ms\":" + ms(m.edit_ack_latency.quantile(0.95));
    o += ",\"error_count\":" + std::to_string(m.errors.total());
    o += ",\"reconnect_count\":" + u(m.resumes);
    o += ",\"total_doc_size_bytes\":" + std::to_string(g.text_bytes);
    o += ",\"uptime_seconds\":" + number(g.uptime_seconds);
    o += ",\"total_messages\":" + u(m.messages);
    o += ",\"rooms_active\":" + std::to_string(g.hot);
    o += ",\"documents\":" + std::to_string(g.documents);
    o += ",\"documents_hot\":" + std::to_string(g.hot);
    o += ",\"documents_idle\":" + std::to_string(g.documents - g.hot);
    o += ",\"edits\":" + u(m.edits);
    o += ",\"bytes_in\":" + u(m.bytes_in);
    o += ",\"bytes_out\":" + u(m.bytes_out);
    o += ",\"frames_out\":" + u(m.frames_out);
    o += ",\"history_frames\":" + u(m.history_frames);
    o += ",\"frame_writes\":" + u(m.frame_writes);
    o += ",\"history_frames_merged\":" + u(m.history_merged);
    o += ",\"send_queue_bytes\":" + std::to_string(m.send_queue_bytes.load());
    o += ",\"slow_consumers\":" + u(m.slow_closed);
    o += ",\"backpressure_pauses\":" + u(m.backpressure_pauses);
    o += ",\"simulated_users\":" + std::to_string(m.simulated_users.load());
    o += ",\"rejected\":" + counters_json(m.rejected);
    o += ",\"errors\":" + counters_json(m.errors);
    o += ",\"evictions\":" + counters_json(m.evictions);
    o += ",\"auth_failures\":" + counters_json(m.auth_failures);
    o += ",\"edit_ack_latency_seconds\":" + histogram_json(m.edit_ack_latency);
    o += ",\"fanout_latency_seconds\":" + histogram_json(m.fanout_latency);
    o += ",\"message_latency_seconds\":" + histogram_json(m.message_latency);
    o += ",\"commit_latency_seconds\":" + histogram_json(ctx.storage.commit_latency());
    o += ",\"commit_batch_size\":" + histogram_json(ctx.storage.commit_batch_sizes());
    o += ",\"storage_healthy\":" + std::string(ctx.storage.healthy() ? "true" : "false");
    o += ",\"storage_pending_writes\":" + std::to_string(ctx.storage.pending_writes());
    o += ",\"storage_max_pending_writes\":" + std::to_string(ctx.config.storage_max_pending_writes);
    o += ",\"documents_memory_bytes\":" + std::to_string(g.memory_bytes);
    o += ",\"memory_limit_bytes\":" + std::to_string(g.memory_limit_bytes);
    o += ",\"process_resident_bytes\":" + std::to_string(g.rss_bytes);
    o += ",\"open_connections\":" + std::to_string(ctx.connection_limit.open());
    o += ",\"max_connections\":" + std::to_string(ctx.connection_limit.max());
    o += ",\"connections_refused\":" + std::to_string(ctx.connection_limit.refused_total());
    o += ",\"accept_errors\":" + std::to_string(ctx.connection_limit.accept_errors());
    o += ",\"document_loads\":" + std::to_string(ctx.registry.loads());
    o += ",\"document_loads_coalesced\":" + std::to_string(ctx.registry.coalesced_loads());
    if (ctx.cluster) o += ctx.cluster->metrics_json();
    return o + "}";
}

bool wants_json(const Request& req, const Target& target) {
    if (auto it = target.query.find("format"); it != target.query.end()) return it->second == "json";
    auto accept = req[http::field::accept];
    return std::string_view(accept.data(), accept.size()).find("application/json") != std::string_view::npos;
}

}  // namespace

http::message_generator metrics_route(const Request& req, const Target& target, Context& ctx) {
    if (auto it = target.query.find("format"); it != target.query.end() && it->second != "json" && it->second != "prometheus") {
        return json_error(req, http::status::bad_request, "bad_format", "format must be json or prometheus");
    }
    const Gauges g = read_gauges(ctx);
    auto res = wants_json(req, target)
                   ? make_response(req, http::status::ok, json(ctx, g), "application/json")
                   : make_response(req, http::status::ok, prometheus(ctx, g), "text/plain; version=0.0.4; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    return res;
}

http::message_generator health_route(const Request& req, Context& ctx) {
    const bool stopping = ctx.shutting_down.load();
    const bool storage_ok = ctx.storage.healthy();
    const bool db_ok = !ctx.cluster || ctx.cluster->database_reachable();
    const bool bus_ok = !ctx.cluster || ctx.cluster->healthy() || !db_ok;
    const std::string status = stopping                ? "shutting_down"
                               : !storage_ok || !db_ok ? "storage_failure"
                               : !bus_ok               ? "redis_failure"
                                                       : "ok";
    const std::uint64_t rss = memory::process_rss_bytes().value_or(0);
    std::string body = "{\"status\":\"" + status + "\",\"storage\":\"" + (storage_ok ? "ok" : "failing") +
                       "\",\"storage_pending_writes\":" + std::to_string(ctx.storage.pending_writes()) +
                       ",\"documents\":" + std::to_string(ctx.registry.size()) +
                       ",\"connections\":" + std::to_string(ctx.metrics.connections.load()) +
                       ",\"memory\":{\"process_resident_bytes\":" + std::to_string(rss) +
                       ",\"documents_bytes\":" + std::to_string(ctx.registry.memory_bytes()) +
                       ",\"limit_bytes\":" + std::to_string(ctx.config.max_memory_mb * 1024 * 1024) + "}" +
                       (ctx.cluster ? ctx.cluster->health_json() : std::string()) + "}";
    const auto code = status == "ok" ? http::status::ok : http::status::service_unavailable;
    auto res = make_response(req, code, std::move(body), "application/json");
    res.set(http::field::cache_control, "no-store");
    return res;
}

}  // namespace kolabpad::server::net
