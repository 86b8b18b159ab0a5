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

RdbInput::RdbInput(int fd)
    : source_([fd](std::string* buffer, std::string* error) {
        buffer->resize(kBufferBytes);
        while (true) {
          ssize_t n = ::read(fd, buffer->data(), buffer->size());
          if (n < 0 && errno == EINTR) {
            continue;
          }
          if (n < 0) {
            *error = std::string("read error: ") + std::strerror(errno);
            buffer->clear();
            return false;
          }
          buffer->resize(static_cast<size_t>(n));
          return n > 0;
        }
      }) {}

bool RdbInput::Refill() {
  if (!source_) {
    return false;
  }
  buffer_pos_ = 0;
  bool more = source_(&buffer_, &error_);
  memory_ = buffer_;
  return more;
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
