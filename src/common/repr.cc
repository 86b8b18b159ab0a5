// sdscatrepr-compatible quoting; see repr.h.
#include "common/repr.h"

#include <cstdio>

namespace redoubt::common {

void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
      case '"':
        out->push_back('\\');
        out->push_back(static_cast<char>(c));
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        // isprint() in the C locale, which Redis runs in.
        if (c >= 32 && c < 127) {
          out->push_back(static_cast<char>(c));
        } else {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

std::string Repr(std::string_view s, size_t max_bytes) {
  bool cut = s.size() > max_bytes;
  std::string_view shown = cut ? s.substr(0, max_bytes) : s;
  std::string out;
  out.reserve(shown.size() + 5);
  AppendRepr(&out, shown);
  if (cut) {
    out += "...";
  }
  return out;
}

}  // namespace redoubt::common
