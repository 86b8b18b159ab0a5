// Redis 7.0's listpack: the blob in which it keeps a small hash or sorted set and each node of a
// list, and which RDB files (and DUMP payloads) carry as it is. A builder that lays elements out
// byte for byte as Redis's lpAppend does, and a decoder that validates as lpValidateIntegrity
// with deep checks.
//
// Format (all little endian): total bytes (u32), element count (u16; 65535 means "count
// them"), the elements, then the terminator 0xFF. An element is an encoding byte that holds its
// type and either a small integer or the string's length (with 0, 1 or 4 more length bytes),
// then its data, then a back-length: the size of encoding and data in 1 to 5 bytes of 7 bits,
// which lets Redis walk the listpack backwards.
//
// Thread: ListpackBuilder is a value with no shared state; DecodeListpack is a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

// Total bytes (u32) and element count (u16).
inline constexpr size_t kListpackHeaderBytes = 6;

// Builds a listpack by appending elements in order.
class ListpackBuilder {
 public:
  // Appends `element` as lpAppend would store it: the text of an int64 in its canonical form
  // (what string2ll accepts: no '+', no leading zero, no "-0", at most 20 characters) becomes
  // that integer in the smallest integer encoding; anything else is a string with a 6-, 12- or
  // 32-bit length.
  void Append(std::string_view element);
  // Appends v in the smallest integer encoding (the same bytes as Append of its decimal text).
  void AppendInteger(int64_t v);

  // Elements appended so far.
  size_t size() const { return count_; }
  // Bytes the listpack Finish returns would have now, header and terminator included.
  size_t bytes() const { return kListpackHeaderBytes + body_.size() + 1; }

  // Returns the listpack holding the elements appended so far; the builder is unchanged.
  // Requires: bytes() fits in 32 bits (Redis's own limit; callers split or convert long before).
  std::string Finish() const;

 private:
  // Appends an element whose encoding byte(s) are `head`, followed by `data`, then its
  // back-length.
  void AppendEntry(std::string_view head, std::string_view data);

  std::string body_;  // the elements, without header and terminator
  size_t count_ = 0;
};

// Validates `blob` as a whole (sizes, encodings, back-lengths, count, terminator) and appends
// its elements to *out, integers as their decimal text. Returns false with a description in
// *error (naming the offset in the blob) when Redis's lpValidateIntegrity(deep) would refuse it;
// *out may then hold the elements before the damage. Never reads outside `blob`.
bool DecodeListpack(std::string_view blob, std::vector<std::string>* out, std::string* error);

}  // namespace redoubt::persistence
