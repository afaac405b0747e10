#include "log/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "kolabpad/ot/json.hpp"
#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::log {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<bool> g_json{false};
std::mutex g_mutex;

const char* level_name(LogLevel l) {
    switch (l) {
        case LogLevel::error: return "error";
        case LogLevel::warn: return "warn";
        case LogLevel::info: return "info";
        case LogLevel::debug: return "debug";
    }
    return "info";
}

std::string timestamp() {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t t = system_clock::to_time_t(now);
    const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

}  // namespace

void configure(LogLevel level, LogFormat format) {
    g_level = static_cast<int>(level);
    g_json = format == LogFormat::json;
}

bool enabled(LogLevel level) { return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed); }

void write(LogLevel level, std::string_view message, std::initializer_list<Field> fields) {
    if (!enabled(level)) return;
    std::string line;
    if (g_json) {
        line = "{\"time\":\"" + timestamp() + "\",\"level\":\"" + level_name(level) + "\",\"msg\":";
        ot::append_json_string(line, ot::utf8::sanitize(message));
        for (const auto& [k, v] : fields) {
            line += ',';
            ot::append_json_string(line, ot::utf8::sanitize(k));
            line += ':';
            ot::append_json_string(line, ot::utf8::sanitize(v));
        }
        line += "}\n";
    } else {
        line = timestamp() + " " + level_name(level) + " " + std::string(message);
        for (const auto& [k, v] : fields) {
            line += ' ';
            line += k;
            line += '=';
            const bool quote = v.empty() || v.find_first_of(" \"=") != std::string::npos;
            if (quote) ot::append_json_string(line, ot::utf8::sanitize(v));
            else line += v;
        }
        line += '\n';
    }
    std::lock_guard lock(g_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace kolabpad::server::log
