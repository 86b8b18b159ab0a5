// Redis's intset, the blob of a set of integers in RDB type 11 (SET_INTSET): encoding (2, 4 or 8
// bytes per value, u32 LE), count (u32 LE), then the values ascending, little endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

// Requires: values ascending and distinct. Uses the smallest width that holds them all.
std::string EncodeIntset(const std::vector<int64_t>& values);
// False with *error unless the blob is a valid intset (sizes match, values strictly ascending).
bool DecodeIntset(std::string_view blob, std::vector<int64_t>* out, std::string* error);

}  // namespace redoubt::persistence
