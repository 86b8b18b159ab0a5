// Redis 2.x's zipmap (RDB type 9, a small hash), decoded and validated for old files that
// redis-server 7.0 still loads. Never written.
//
// Format: a count byte (254 or more: unknown), then per pair [len][field][len][free][value]
// [free bytes], where a len is one byte below 254, or 254 and a u32; then 0xFF.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

// Appends field, value, field, value, ...
bool DecodeZipmap(std::string_view blob, std::vector<std::string>* out, std::string* error);

}  // namespace redoubt::persistence
