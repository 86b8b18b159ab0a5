// Redis 2.x's zipmap: the blob of a small hash in RDB type 9 (HASH_ZIPMAP), which redis-server
// 7.0 still loads (converting it on load), and so does Redoubt. This decodes it, validated as
// zipmapValidateIntegrity with deep checks. Nothing writes zipmaps any more.
//
// Format: a count byte (the pairs; 254 means "count them"), then per pair: the field's length,
// the field, the value's length, a "free" byte, the value, then that many unused bytes; then
// 0xFF. A length is one byte below 254, or a marker byte (254, or 255, which Redis reads the
// same way) and a u32 little endian.
//
// Thread: a pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

// Validates `blob` as a whole and appends field, value, field, value, ... to *out. Returns false
// with a description in *error (naming the offset in the blob) when Redis's
// zipmapValidateIntegrity(deep) would refuse it (including an empty zipmap); *out may then hold
// the pairs before the damage. Never reads outside `blob`.
bool DecodeZipmap(std::string_view blob, std::vector<std::string>* out, std::string* error);

}  // namespace redoubt::persistence
