// ASCII case rules for std::string_view, from abseil. Redis compares command names, options and
// directive values case-insensitively in the C locale, which is exactly absl::EqualsIgnoreCase
// and absl::AsciiStrToLower. Debian 12's abseil is built with its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW is 0), to which std::string_view does not convert: AbslView()
// converts, and the functions below only adapt the types (Split too, for absl::StrSplit).
//
// Header-only: common/ links no abseil strings library; every library that includes this one
// links it (absl::status depends on it).
#pragma once

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/str_split.h>
#include <absl/strings/string_view.h>

#include <string>
#include <string_view>
#include <vector>

namespace redoubt::common {

inline absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(AbslView(a), AbslView(b));
}

inline std::string ToLower(std::string_view s) {
  return absl::AsciiStrToLower(AbslView(s));
}

// s without ASCII whitespace at either end.
inline std::string_view StripWhitespace(std::string_view s) {
  const absl::string_view stripped = absl::StripAsciiWhitespace(AbslView(s));
  return {stripped.data(), stripped.size()};
}

// s cut at every sep; empty pieces kept unless skip_empty.
inline std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty = false) {
  std::vector<std::string_view> out;
  for (absl::string_view piece : absl::StrSplit(AbslView(s), sep)) {
    if (!skip_empty || !piece.empty()) {
      out.emplace_back(piece.data(), piece.size());
    }
  }
  return out;
}

}  // namespace redoubt::common
