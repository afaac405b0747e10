#pragma once
// Leveled logging to stderr, as text or one JSON object per line. Never pass document text or tokens.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace kolabpad::server::log {

// One key=value detail of a log line.
using Field = std::pair<std::string_view, std::string>;

// Sets the threshold and the line format; call once at start, before other threads run.
void configure(LogLevel level, LogFormat format);

// True when lines of `level` are written.
bool enabled(LogLevel level);

// Writes one line (atomically with respect to other log lines) if `level` passes the threshold.
void write(LogLevel level, std::string_view message, std::initializer_list<Field> fields = {});

// Shorthands for write() at each level.
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::error, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::warn, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::info, m, f); }
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::debug, m, f); }

}  // namespace kolabpad::server::log
