// Redis 7.0's listpack, the blob in which it keeps small hashes, sorted sets and each list node,
// and which its RDB files carry as they are: a builder that encodes exactly as lpAppend does (an
// element that is an integer's text is stored as that integer, in the fewest bytes), and a
// validating decoder (as lpValidateIntegrity with deep checks) that never reads out of bounds.
//
// Format: total bytes (u32 LE), element count (u16 LE, 65535 when more), the elements (an
// encoding byte with the type and length or the integer, the data, and a back-length of 1 to 5
// bytes giving the element's size read backwards), then 0xFF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::persistence {

class ListpackBuilder {
 public:
  ListpackBuilder() { body_.reserve(64); }
  void Append(std::string_view element);
  void AppendInteger(int64_t v);
  size_t size() const { return count_; }
  // Bytes of the finished blob so far (header and terminator included).
  size_t bytes() const { return body_.size() + 7; }
  std::string Finish() const;

 private:
  void AppendEntry(const uint8_t* encoded, size_t n);

  std::string body_;  // the elements, without header and terminator
  size_t count_ = 0;
};

// Appends every element (integers as their decimal text) to out; false with *error on a blob
// that does not validate.
bool DecodeListpack(std::string_view blob, std::vector<std::string>* out, std::string* error);

}  // namespace redoubt::persistence
