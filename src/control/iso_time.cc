// ISO 8601 timestamps; see iso_time.h.
#include "control/iso_time.h"

#include <ctime>

#include "absl/strings/str_format.h"
#include "common/numbers.h"

namespace redoubt::control {

std::string FormatIsoTime(int64_t unix_ms) {
  const time_t seconds = static_cast<time_t>(unix_ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                         utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                         static_cast<int>(unix_ms % 1000));
}

std::optional<int64_t> ParseIsoTime(std::string_view text) {
  if (std::optional<int64_t> seconds = common::ParseInt64(text)) {
    return *seconds * 1000;
  }
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  // Fixed-width fields with leading zeros (which common::ParseInt64, as Redis, refuses).
  auto number = [&](size_t at, size_t len) -> int {
    int value = 0;
    for (char c : text.substr(at, len)) {
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  };
  tm utc{};
  utc.tm_year = number(0, 4) - 1900;
  utc.tm_mon = number(5, 2) - 1;
  utc.tm_mday = number(8, 2);
  utc.tm_hour = number(11, 2);
  utc.tm_min = number(14, 2);
  utc.tm_sec = number(17, 2);
  std::string_view rest = text.substr(19);
  int64_t millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    size_t digits = 1;
    int64_t scale = 100;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
      millis += (rest[digits] - '0') * scale;
      scale /= 10;
      ++digits;
    }
    if (digits == 1) {
      return std::nullopt;
    }
    rest.remove_prefix(digits);
  }
  if (rest != "Z" && rest != "+00:00" && !rest.empty()) {
    return std::nullopt;
  }
  if (utc.tm_year < 0 || utc.tm_mon < 0 || utc.tm_mday < 1 || utc.tm_hour < 0 || utc.tm_min < 0 ||
      utc.tm_sec < 0) {
    return std::nullopt;
  }
  tm normalized = utc;
  const time_t seconds = timegm(&normalized);
  // timegm normalizes 30 February into March: such a date is refused, not moved.
  if (normalized.tm_mday != utc.tm_mday || normalized.tm_mon != utc.tm_mon ||
      normalized.tm_hour != utc.tm_hour || normalized.tm_min != utc.tm_min ||
      normalized.tm_sec != utc.tm_sec) {
    return std::nullopt;
  }
  return static_cast<int64_t>(seconds) * 1000 + millis;
}

}  // namespace redoubt::control
