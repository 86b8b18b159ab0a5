// Transport's default Writev; see transport.h.
#include "net/transport.h"

namespace redoubt::net {

IoResult Transport::Writev(const iovec* iov, int count) {
  size_t total = 0;
  for (int i = 0; i < count; ++i) {
    IoResult r = Write(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    if (r.kind != IoResult::kOk) {
      // Bytes already written count; a later buffer that would block is left for next time.
      return total > 0 && r.kind == IoResult::kWouldBlock ? IoResult{IoResult::kOk, total} : r;
    }
    total += r.bytes;
    if (r.bytes < iov[i].iov_len) {
      break;
    }
  }
  return {IoResult::kOk, total};
}

}  // namespace redoubt::net
