// The bytes of an RDB stream, read forwards: a DUMP payload in memory, a snapshot file read
// through a buffer, or pieces from a source (the plaintext of an encrypted snapshot). Counts the
// offset (for errors that name where a file is bad) and keeps the running CRC64 of what was read,
// which a file's last eight bytes must match.
//
// Thread: a value, used by one loader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace redoubt::persistence {

class RdbInput {
 public:
  // Reads `bytes`, which must outlive the input.
  explicit RdbInput(std::string_view bytes) : memory_(bytes) {}
  // Reads the open file descriptor fd from its current position (the caller closes it).
  explicit RdbInput(int fd);
  // Fills *buffer with the next bytes (it may leave it empty and be called again); false at
  // the end of the stream, or on an error, which it describes in *error.
  using Source = std::function<bool(std::string* buffer, std::string* error)>;
  explicit RdbInput(Source source) : source_(std::move(source)) {}

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
  Source source_;
  std::string buffer_;
  size_t buffer_pos_ = 0;
  uint64_t offset_ = 0;
  uint64_t crc_ = 0;
  bool track_crc_ = false;
  std::string error_;
};

}  // namespace redoubt::persistence
