// A levelled logger writing one line per message to stderr:
//   I 03:50:01.123 loader.cc:42] loaded 5242 vertices
// Messages below the minimum level (default Info) cost one comparison.
//
//   SYSKIT_LOG(Info) << "loaded " << n << " vertices";
//
// Thread-safe: each message is written with one fwrite.
#pragma once

#include <sstream>
#include <string_view>

#include "syskit/core/check.h"
#include "syskit/core/result.h"

namespace syskit {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
// Parses "debug", "info", "warning", "error" or "off".
Result<LogLevel> ParseLogLevel(std::string_view name);

namespace internal {

class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

}  // namespace internal
}  // namespace syskit

#define SYSKIT_LOG(level)                                                                    \
  (::syskit::LogLevel::k##level < ::syskit::MinLogLevel())                                   \
      ? (void)0                                                                              \
      : ::syskit::internal::CheckVoidify() &                                                 \
            ::syskit::internal::LogMessage(::syskit::LogLevel::k##level, __FILE__, __LINE__) \
                .stream()
