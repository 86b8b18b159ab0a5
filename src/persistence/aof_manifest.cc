// Reading and writing the AOF manifest; see aof_manifest.h.
#include "persistence/aof_manifest.h"

#include <absl/strings/match.h>

#include <cstdlib>

#include "common/repr.h"
#include "protocol/resp_parser.h"

namespace redoubt::persistence {
namespace {

constexpr size_t kMaxLine = 1024;  // Redis's MANIFEST_MAX_LINE

// Whether Redis writes the name quoted (sdsneedsrepr): it holds a space, a quote, a backslash
// or a byte that is not printable.
bool NeedsQuoting(std::string_view name) {
  for (unsigned char c : name) {
    if (c == '\\' || c == '"' || c == '\n' || c == '\r' || c == '\t' || c == '\a' || c == '\b' ||
        c == ' ' || c < 0x20 || c >= 0x7f) {
      return true;
    }
  }
  return false;
}

void AppendLine(std::string* out, const AofFileInfo& f) {
  out->append("file ");
  if (NeedsQuoting(f.name)) {
    common::AppendRepr(out, f.name);
  } else {
    out->append(f.name);
  }
  out->append(" seq ");
  out->append(std::to_string(f.seq));
  out->append(" type ");
  out->push_back(static_cast<char>(f.type));
  out->push_back('\n');
}

// As Redis's sdstrim(line, " \t\r\n").
std::string_view TrimSpaces(std::string_view s) {
  constexpr std::string_view kSpaces = " \t\r\n";
  size_t first = s.find_first_not_of(kSpaces);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(kSpaces) - first + 1);
}

absl::Status LineError(int line_number, std::string_view what) {
  return absl::InvalidArgumentError(std::string(what) + " (manifest line " +
                                    std::to_string(line_number) + ")");
}

}  // namespace

std::string AofManifest::Format() const {
  std::string out;
  if (base) {
    AppendLine(&out, *base);
  }
  for (const AofFileInfo& f : history) {
    AppendLine(&out, f);
  }
  for (const AofFileInfo& f : incrs) {
    AppendLine(&out, f);
  }
  return out;
}

absl::StatusOr<AofManifest> AofManifest::Parse(std::string_view text) {
  AofManifest m;
  if (text.empty()) {
    return absl::InvalidArgumentError("Found an empty AOF manifest");
  }
  int line_number = 0;
  int64_t max_seq = 0;
  while (!text.empty()) {
    ++line_number;
    size_t eol = text.find('\n');
    std::string_view raw = text.substr(0, eol == std::string_view::npos ? text.size() : eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!raw.empty() && raw[0] == '#') {
      continue;
    }
    // Redis reads lines with a 1025-byte buffer: a longer one, or a last line without its
    // newline, is refused.
    if (raw.size() + 1 > kMaxLine || eol == std::string_view::npos) {
      return LineError(line_number, "The AOF manifest file contains too long line");
    }
    std::string_view line = TrimSpaces(raw);
    std::vector<std::string> argv;
    // At least six words, in pairs (more are allowed for keys a later version may add).
    if (line.empty() || !protocol::SplitArgs(line, &argv) || argv.size() < 6 ||
        argv.size() % 2 != 0) {
      return LineError(line_number, "Invalid AOF manifest file format");
    }
    AofFileInfo f;
    char type = 0;
    for (size_t i = 0; i < argv.size(); i += 2) {
      if (absl::EqualsIgnoreCase(argv[i], "file")) {
        f.name = argv[i + 1];
        if (f.name.find('/') != std::string::npos) {
          return LineError(line_number, "File can't be a path, just a filename");
        }
      } else if (absl::EqualsIgnoreCase(argv[i], "seq")) {
        f.seq = std::atoll(argv[i + 1].c_str());  // as Redis's atoll: junk reads as 0
      } else if (absl::EqualsIgnoreCase(argv[i], "type")) {
        type = argv[i + 1].empty() ? 0 : argv[i + 1][0];
      }
    }
    if (f.name.empty() || f.seq == 0 || type == 0) {
      return LineError(line_number, "Invalid AOF manifest file format");
    }
    switch (type) {
      case 'b':
        if (m.base) {
          return LineError(line_number, "Found duplicate base file information");
        }
        f.type = AofFileInfo::Type::kBase;
        m.base = f;
        break;
      case 'h':
        f.type = AofFileInfo::Type::kHistory;
        m.history.push_back(f);
        break;
      case 'i':
        if (f.seq <= max_seq) {
          return LineError(line_number, "Found a non-monotonic sequence number");
        }
        f.type = AofFileInfo::Type::kIncr;
        max_seq = f.seq;
        m.incrs.push_back(f);
        break;
      default:
        return LineError(line_number, "Unknown AOF file type");
    }
  }
  if (!m.base && m.incrs.empty() && m.history.empty()) {
    return absl::InvalidArgumentError("Found an empty AOF manifest");
  }
  m.max_incr_seq = max_seq;
  return m;
}

std::string AofManifestName(std::string_view appendfilename) {
  return std::string(appendfilename) + ".manifest";
}

std::string AofBaseName(std::string_view appendfilename, int64_t seq, bool rdb) {
  return std::string(appendfilename) + "." + std::to_string(seq) + ".base" +
         (rdb ? ".rdb" : ".aof");
}

std::string AofIncrName(std::string_view appendfilename, int64_t seq) {
  return std::string(appendfilename) + "." + std::to_string(seq) + ".incr.aof";
}

}  // namespace redoubt::persistence
