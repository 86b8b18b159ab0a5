// Server log; see log.h.
#include "common/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace redoubt::common {
namespace {

std::mutex g_mu;
FILE* g_file = nullptr;  // guarded by g_mu; nullptr means stdout
std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};

}  // namespace

bool OpenLog(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_file != nullptr) {
    fclose(g_file);
    g_file = nullptr;
  }
  if (path.empty()) {
    return true;
  }
  g_file = fopen(path.c_str(), "a");
  return g_file != nullptr;
}

void SetLogLevel(LogLevel level) {
  g_level.store(static_cast<int>(level));
}

LogLevel ParseLogLevel(std::string_view name) {
  if (name == "debug") {
    return LogLevel::kDebug;
  }
  if (name == "verbose") {
    return LogLevel::kVerbose;
  }
  if (name == "warning") {
    return LogLevel::kWarning;
  }
  if (name == "nothing") {
    return LogLevel::kNothing;
  }
  return LogLevel::kNotice;
}

void Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) {
    return;
  }
  static const char kMarks[] = ".-*#";
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  localtime_r(&tv.tv_sec, &t);
  char stamp[64];
  size_t n = strftime(stamp, sizeof(stamp), "%d %b %Y %H:%M:%S", &t);
  snprintf(stamp + n, sizeof(stamp) - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  std::lock_guard<std::mutex> lock(g_mu);
  FILE* out = g_file != nullptr ? g_file : stdout;
  fprintf(out, "%d:M %s %c %.*s\n", static_cast<int>(getpid()), stamp,
          kMarks[static_cast<int>(level) & 3], static_cast<int>(message.size()), message.data());
  fflush(out);
}

}  // namespace redoubt::common
