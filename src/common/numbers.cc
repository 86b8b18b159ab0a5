// Number parsing/formatting with Redis's exact rules; see numbers.h.
#include "common/numbers.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace redoubt::common {

std::optional<int64_t> ParseInt64(std::string_view s) {
  if (s.empty() || s.size() > 20) {
    return std::nullopt;
  }
  if (s.size() == 1 && s[0] == '0') {
    return 0;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) {
      return std::nullopt;
    }
  }
  // First digit must be 1-9: rejects leading zeros and "-0" as string2ll does.
  if (s[i] < '1' || s[i] > '9') {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    if (v > (UINT64_MAX - (c - '0')) / 10) {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  if (negative) {
    if (v > uint64_t{1} << 63) {
      return std::nullopt;
    }
    return static_cast<int64_t>(0 - v);
  }
  if (v > uint64_t{INT64_MAX}) {
    return std::nullopt;
  }
  return static_cast<int64_t>(v);
}

std::optional<long double> ParseLongDouble(std::string_view s) {
  // Redis: MAX_LONG_DOUBLE_CHARS is 5k; leading space, NaN and non-finite are errors.
  if (s.empty() || s.size() >= 5 * 1024) {
    return std::nullopt;
  }
  if (std::isspace(static_cast<unsigned char>(s[0]))) {
    return std::nullopt;
  }
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  long double v = strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || errno == ERANGE || std::isnan(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty() || s.size() >= 5 * 1024 || std::isspace(static_cast<unsigned char>(s[0]))) {
    return std::nullopt;
  }
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  double v = strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || std::isnan(v) ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0))) {
    return std::nullopt;
  }
  return v;
}

void AppendInt64(std::string* out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

std::string FormatLongDoubleHuman(long double v) {
  char buf[5 * 1024 + 64];
  if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  }
  int len = snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (len < 0 || static_cast<size_t>(len) >= sizeof(buf)) {
    return "0";
  }
  if (std::strchr(buf, '.') != nullptr) {
    char* p = buf + len - 1;
    while (*p == '0') {
      --p;
      --len;
    }
    if (*p == '.') {
      --len;
    }
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') {
    return "0";
  }
  return std::string(buf, len);
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  }
  char buf[128];
  int len = snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, len);
}

int DecimalLength(int64_t v) {
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int n = v < 0 ? 2 : 1;
  while (u >= 10) {
    u /= 10;
    ++n;
  }
  return n;
}

}  // namespace redoubt::common
