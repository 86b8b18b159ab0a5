// A script's shebang line, Redis 7's "#!lua flags=no-writes,allow-oom": which engine runs it and
// what the script declares about itself. A script without one runs in Redis's compatibility
// mode (the commands it calls are checked one by one).
//
// Thread: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::scripting {

struct ScriptFlags {
  bool has_shebang = false;  // false: compatibility mode (no flags declared)
  bool no_writes = false;
  bool allow_oom = false;
  bool allow_stale = false;
  bool no_cluster = false;
  bool allow_cross_slot_keys = false;
  // Bytes of the shebang line without its line feed: the body compiled starts there, so that
  // line numbers stay the user's.
  size_t shebang_bytes = 0;
};

// Sets the flag named name; false for a name that is no flag. redis.register_function reads
// flags in any case, a shebang only in lower case.
bool SetScriptFlag(std::string_view name, bool ignore_case, ScriptFlags* flags);
// The names of the flags set, in Redis's order.
std::vector<std::string_view> ScriptFlagNames(const ScriptFlags& flags);

// Parses body's shebang line into *flags. Returns an empty string, or Redis's error (with its
// ERR code) for an invalid shebang.
std::string ParseShebang(std::string_view body, ScriptFlags* flags);

}  // namespace redoubt::scripting
