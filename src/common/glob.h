// Glob-style pattern matching with the rules of Redis's stringmatchlen (KEYS, SCAN MATCH,
// CONFIG GET, and later ACL key patterns): '*', '?', '[abc]', '[^a-z]', '\' escapes.
#pragma once

#include <string_view>

namespace redoubt::common {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace redoubt::common
