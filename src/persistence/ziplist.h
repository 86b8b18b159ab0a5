// Redis's ziplist (before 7.0 the blob of small lists, hashes and sorted sets, and of each
// quicklist node): decoded, validated as ziplistValidateIntegrity with deep checks, because
// redis-server 7.0 still loads RDB files with them and so does Redoubt. Never written.
//
// Format: zlbytes (u32 LE), zltail (u32 LE), zllen (u16 LE, 65535 when more), entries of
// [prevlen: 1 byte, or 0xFE and u32 LE][encoding][data], then 0xFF.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

bool DecodeZiplist(std::string_view blob, std::vector<std::string>* out, std::string* error);

}  // namespace redoubt::persistence
