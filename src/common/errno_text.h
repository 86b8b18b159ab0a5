// The text of an errno value, safe to call from any thread (strerror itself is not).
#pragma once

#include <cstring>
#include <string>

namespace redoubt::common {

inline std::string ErrnoText(int err) {
  char buf[128];
  // The GNU strerror_r (C++ on glibc defines _GNU_SOURCE) returns the text, which may or may
  // not be in buf.
  return strerror_r(err, buf, sizeof(buf));
}

}  // namespace redoubt::common
