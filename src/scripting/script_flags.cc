// Shebang lines of scripts; see script_flags.h.
#include "scripting/script_flags.h"

#include <absl/strings/match.h>
#include <absl/strings/str_split.h>

#include <vector>

#include "common/ascii.h"

namespace redoubt::scripting {
namespace {

// Redis's scripts_flags_def, in its order (FUNCTION LIST lists flags in it).
struct FlagName {
  std::string_view name;
  bool ScriptFlags::*member;
};
constexpr FlagName kFlagNames[] = {
    {"no-writes", &ScriptFlags::no_writes},
    {"allow-oom", &ScriptFlags::allow_oom},
    {"allow-stale", &ScriptFlags::allow_stale},
    {"no-cluster", &ScriptFlags::no_cluster},
    {"allow-cross-slot-keys", &ScriptFlags::allow_cross_slot_keys},
};

}  // namespace

bool SetScriptFlag(std::string_view name, bool ignore_case, ScriptFlags* flags) {
  for (const FlagName& f : kFlagNames) {
    if (ignore_case ? common::EqualsIgnoreCase(name, f.name) : name == f.name) {
      flags->*f.member = true;
      return true;
    }
  }
  return false;
}

std::vector<std::string_view> ScriptFlagNames(const ScriptFlags& flags) {
  std::vector<std::string_view> names;
  for (const FlagName& f : kFlagNames) {
    if (flags.*f.member) {
      names.push_back(f.name);
    }
  }
  return names;
}

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
      // The shebang's flags are case-sensitive (Redis compares them with strcmp).
      if (!SetScriptFlag(std::string_view(flag.data(), flag.size()), /*ignore_case=*/false,
                         flags)) {
        return "ERR Unexpected flag in script shebang: " + std::string(flag);
      }
    }
  }
  flags->shebang_bytes = end;
  return {};
}

}  // namespace redoubt::scripting
