// UTC timestamps; see iso_time.h.
#include "control/iso_time.h"

#include <ctime>

#include "absl/strings/str_format.h"
#include "common/numbers.h"

namespace redoubt::control {
namespace {

constexpr char kIsoSeconds[] = "%Y-%m-%dT%H:%M:%S";
constexpr size_t kIsoSecondsLength = 19;  // 2026-12-07T01:02:03

}  // namespace

std::string FormatUtc(int64_t unix_seconds, const char* format) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm utc{};
  gmtime_r(&t, &utc);
  char out[64];
  const size_t n = std::strftime(out, sizeof out, format, &utc);
  return std::string(out, n);
}

std::optional<int64_t> ParseUtc(std::string_view text, const char* format) {
  const std::string copy(text);
  tm utc{};
  const char* end = strptime(copy.c_str(), format, &utc);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  const int64_t seconds = static_cast<int64_t>(timegm(&utc));
  if (FormatUtc(seconds, format) != copy) {
    return std::nullopt;
  }
  return seconds;
}

std::string FormatIsoTime(int64_t unix_ms) {
  return FormatUtc(unix_ms / 1000, kIsoSeconds) +
         absl::StrFormat(".%03dZ", static_cast<int>(unix_ms % 1000));
}

std::optional<int64_t> ParseIsoTime(std::string_view text) {
  if (std::optional<int64_t> seconds = common::ParseInt64(text)) {
    return *seconds * 1000;
  }
  if (text.size() < kIsoSecondsLength) {
    return std::nullopt;
  }
  const std::optional<int64_t> seconds = ParseUtc(text.substr(0, kIsoSecondsLength), kIsoSeconds);
  if (!seconds) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(kIsoSecondsLength);
  int64_t millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    size_t digits = 1;
    for (int64_t scale = 100; digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9';
         ++digits, scale /= 10) {
      millis += (rest[digits] - '0') * scale;
    }
    if (digits == 1) {
      return std::nullopt;
    }
    rest.remove_prefix(digits);
  }
  if (!rest.empty() && rest != "Z" && rest != "+00:00") {
    return std::nullopt;
  }
  return *seconds * 1000 + millis;
}

}  // namespace redoubt::control
