// The bytes of an RDB stream, read forwards: a DUMP payload in memory or a snapshot file read
// through a buffer. Counts the offset (for errors that name where a file is bad) and keeps the
// running CRC64 of what was read, which a file's last eight bytes must match.
//
// Thread: a value, used by one loader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace redoubt::persistence {

class RdbInput {
 public:
  // Reads `bytes`, which must outlive the input.
  explicit RdbInput(std::string_view bytes) : memory_(bytes) {}
  // Reads the open file descriptor fd from its current position (the caller closes it).
  explicit RdbInput(int fd) : fd_(fd) {}

  // Fills dst with exactly n bytes; false (nothing promised about dst) at end of input or on a
  // read error (then error() says which).
  bool Read(void* dst, size_t n);
  // Bytes consumed so far.
  uint64_t offset() const { return offset_; }
  // CRC64 of the bytes consumed so far, when tracking.
  uint64_t crc() const { return crc_; }
  void set_track_crc(bool on) { track_crc_ = on; }
  const std::string& error() const { return error_; }

 private:
  bool Refill();

  std::string_view memory_;
  int fd_ = -1;
  std::string buffer_;
  size_t buffer_pos_ = 0;
  uint64_t offset_ = 0;
  uint64_t crc_ = 0;
  bool track_crc_ = false;
  std::string error_;
};

}  // namespace redoubt::persistence
