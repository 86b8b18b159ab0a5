// Server log; see log.h.
#include "common/log.h"

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

namespace redoubt::common {
namespace {

ABSL_CONST_INIT absl::Mutex g_mu(absl::kConstInit);
FILE* g_file ABSL_GUARDED_BY(g_mu) = nullptr;  // nullptr means stdout
std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsControl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

void AppendHexEscape(std::string& out, unsigned char c) {
  out += "\\x";
  out.push_back(kHexDigits[c >> 4]);
  out.push_back(kHexDigits[c & 15]);
}

// The message with its control bytes as \xHH. Backslashes stay as they are: operator text
// (paths, OpenSSL errors) reads unchanged, and client text has been through Repr(), which
// escapes them, so the two cannot be confused.
std::string OneLine(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (unsigned char c : message) {
    if (IsControl(c)) {
      AppendHexEscape(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

bool OpenLog(const std::string& path) {
  absl::MutexLock lock(&g_mu);
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

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

bool LogThrottle::Admit(int64_t now_ms, uint64_t* dropped) {
  int64_t start = window_start_ms_.load(std::memory_order_relaxed);
  if (now_ms - start >= interval_ms_ &&
      window_start_ms_.compare_exchange_strong(start, now_ms, std::memory_order_relaxed)) {
    in_window_.store(0, std::memory_order_relaxed);  // this caller opened a new interval
  }
  if (in_window_.fetch_add(1, std::memory_order_relaxed) >= burst_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *dropped = dropped_.exchange(0, std::memory_order_relaxed);
  return true;
}

namespace {
// Redis's role letter in each line: M a primary, S a replica.
std::atomic<char> g_role{'M'};
}  // namespace

void SetLogRole(bool replica) {
  g_role.store(replica ? 'S' : 'M', std::memory_order_relaxed);
}

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) {
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
  // Checked first because nearly every message is clean and then needs no copy.
  std::string escaped;
  if (std::any_of(message.begin(), message.end(),
                  [](char c) { return IsControl(static_cast<unsigned char>(c)); })) {
    escaped = OneLine(message);
    message = escaped;
  }
  absl::MutexLock lock(&g_mu);
  FILE* out = g_file != nullptr ? g_file : stdout;
  fprintf(out, "%d:%c %s %c %.*s\n", static_cast<int>(getpid()),
          g_role.load(std::memory_order_relaxed), stamp, kMarks[static_cast<int>(level) & 3],
          static_cast<int>(message.size()), message.data());
  fflush(out);
}

}  // namespace redoubt::common
