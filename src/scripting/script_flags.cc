// Shebang lines of scripts; see script_flags.h.
#include "scripting/script_flags.h"

#include <absl/strings/match.h>
#include <absl/strings/str_split.h>

#include <vector>

#include "common/ascii.h"

namespace redoubt::scripting {

std::string ParseShebang(std::string_view body, ScriptFlags* flags) {
  *flags = ScriptFlags{};
  if (!body.starts_with("#!")) {
    return {};
  }
  const size_t end = body.find('\n');
  if (end == std::string_view::npos) {
    return "ERR Invalid script shebang";
  }
  std::vector<absl::string_view> parts = absl::StrSplit(
      common::AbslView(body.substr(0, end)), absl::ByAnyChar(" \t\r\v\f"), absl::SkipEmpty());
  if (parts.empty()) {
    return "ERR Invalid engine in script shebang";
  }
  if (parts[0] != "#!lua") {
    return "ERR Unexpected engine in script shebang: " + std::string(parts[0]);
  }
  flags->has_shebang = true;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!absl::StartsWith(parts[i], "flags=")) {
      return "ERR Unknown lua shebang option: " + std::string(parts[i]);
    }
    const absl::string_view list = parts[i].substr(6);
    if (list.empty()) {
      continue;  // "flags=" declares none (Redis splits an empty list into no flags)
    }
    for (absl::string_view flag : absl::StrSplit(list, ',')) {
      if (flag == "no-writes") {
        flags->no_writes = true;
      } else if (flag == "allow-oom") {
        flags->allow_oom = true;
      } else if (flag == "allow-stale") {
        flags->allow_stale = true;
      } else if (flag == "no-cluster") {
        flags->no_cluster = true;
      } else if (flag == "allow-cross-slot-keys") {
        flags->allow_cross_slot_keys = true;
      } else {
        return "ERR Unexpected flag in script shebang: " + std::string(flag);
      }
    }
  }
  flags->shebang_bytes = end;
  return {};
}

}  // namespace redoubt::scripting
