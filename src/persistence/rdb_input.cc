// Buffered RDB input; see rdb_input.h.
#include "persistence/rdb_input.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "persistence/crc64.h"

namespace redoubt::persistence {

namespace {
constexpr size_t kBufferBytes = 1 << 20;
}

bool RdbInput::Refill() {
  if (fd_ < 0) {
    return false;
  }
  buffer_.resize(kBufferBytes);
  while (true) {
    ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      error_ = std::string("read error: ") + std::strerror(errno);
      buffer_.clear();
      return false;
    }
    buffer_.resize(static_cast<size_t>(n));
    buffer_pos_ = 0;
    memory_ = buffer_;
    return n > 0;
  }
}

bool RdbInput::Read(void* dst, size_t n) {
  char* out = static_cast<char*>(dst);
  size_t done = 0;
  while (done < n) {
    size_t avail = memory_.size() - buffer_pos_;
    if (avail == 0) {
      if (!Refill()) {
        return false;
      }
      continue;
    }
    size_t take = std::min(avail, n - done);
    std::memcpy(out + done, memory_.data() + buffer_pos_, take);
    if (track_crc_) {
      crc_ = Crc64(crc_, memory_.data() + buffer_pos_, take);
    }
    buffer_pos_ += take;
    done += take;
  }
  offset_ += n;
  return true;
}

}  // namespace redoubt::persistence
