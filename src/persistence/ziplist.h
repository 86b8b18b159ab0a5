// Redis's ziplist: before 7.0 the blob of a small hash, sorted set or list and of each node of
// a quicklist. Redis 7.0 writes listpacks instead but still loads RDB files with ziplists
// (converting them on load), and so does Redoubt: this decodes them, validated as
// ziplistValidateIntegrity with deep checks. Nothing writes ziplists any more.
//
// Format: zlbytes (u32 LE, the blob's size), zltail (u32 LE, offset of the last entry), zllen
// (u16 LE, the entry count; 65535 means "count them"), the entries, then 0xFF. An entry is
// prevlen (the previous entry's size: 1 byte below 254, or 0xFE and a u32 LE), an encoding
// (a string with a 6-, 14- or 32-bit big-endian length; or an integer of 1, 2, 3, 4 or 8 bytes
// little endian; or 0xF1..0xFD, the integers 0 to 12 in the byte itself), then the data.
//
// Thread: a pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

// Validates `blob` as a whole (sizes, every prevlen, encodings, zltail, count, terminator) and
// appends its entries to *out, integers as their decimal text. Returns false with a description
// in *error (naming the offset in the blob) when Redis's ziplistValidateIntegrity(deep) would
// refuse it; *out may then hold the entries before the damage. Never reads outside `blob`.
bool DecodeZiplist(std::string_view blob, std::vector<std::string>* out, std::string* error);

}  // namespace redoubt::persistence
