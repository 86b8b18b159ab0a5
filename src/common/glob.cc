// Glob matching; see glob.h. Follows Redis's stringmatchlen, including its treatment of a
// trailing '\' and of unterminated '[' (which match the rest literally), and bounds the
// recursion of consecutive '*' the same way (collapsing runs of stars).
#include "common/glob.h"

#include <cctype>

namespace redoubt::common {
namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Returns 1 on match, 0 on mismatch, -1 when the text ran out while a '*' was being
// expanded: a later '*' cannot do better, which keeps the worst case polynomial.
int Match(const char* p, int plen, const char* s, int slen, bool nocase, int nesting) {
  if (nesting > 1000) {
    return 0;
  }
  while (plen && slen) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) {
          return 1;
        }
        while (slen) {
          int r = Match(p + 1, plen - 1, s, slen, nocase, nesting + 1);
          if (r != 0) {
            return r;
          }
          ++s;
          --slen;
        }
        return -1;
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool matched = false;
        while (true) {
          if (plen == 0) {
            --p;
            ++plen;
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (p[0] == s[0]) {
              matched = true;
            }
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            char start = Fold(p[0], nocase);
            char end = Fold(p[2], nocase);
            char c = Fold(s[0], nocase);
            if (start > end) {
              char t = start;
              start = end;
              end = t;
            }
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) {
              matched = true;
            }
          } else if (Fold(p[0], nocase) == Fold(s[0], nocase)) {
            matched = true;
          }
          ++p;
          --plen;
        }
        if (negate) {
          matched = !matched;
        }
        if (!matched) {
          return 0;
        }
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (Fold(p[0], nocase) != Fold(s[0], nocase)) {
          return 0;
        }
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen && *p == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0 ? 1 : 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  // Redis's callers treat a pattern of only stars as "everything", the empty key included.
  if (text.empty() && pattern.find_first_not_of('*') == std::string_view::npos) {
    return true;
  }
  return Match(pattern.data(), static_cast<int>(pattern.size()), text.data(),
               static_cast<int>(text.size()), nocase, 0) == 1;
}

}  // namespace redoubt::common
