// LZF through liblzf; see lzf_codec.h.
#include "persistence/lzf_codec.h"

#include <lzf.h>

#include <climits>

namespace redoubt::persistence {

namespace {

// Redis does not try strings of 20 bytes or fewer: LZF cannot save 4 bytes on them.
constexpr size_t kMinCompressibleBytes = 21;
// Compression must save at least this much to be worth a second length in the file.
constexpr size_t kMinSavedBytes = 4;
// The most one input byte can expand to: a back-reference of 3 bytes (control byte, length
// byte, offset byte) copies at most 7 + 255 + 2 = 264 bytes. A claimed length above this ratio
// cannot be right, so it is refused before allocating it (a damaged or hostile RDB length).
constexpr size_t kMaxExpansion = 264 / 3;

}  // namespace

std::optional<std::string> LzfCompress(std::string_view in) {
  // liblzf counts in unsigned int.
  if (in.size() < kMinCompressibleBytes || in.size() > UINT_MAX) {
    return std::nullopt;
  }
  // An output buffer kMinSavedBytes short of the input makes liblzf give up (return 0) as soon
  // as the result would not save them: the same bound Redis passes.
  std::string out(in.size() - kMinSavedBytes, '\0');
  unsigned int n = lzf_compress(in.data(), static_cast<unsigned int>(in.size()), out.data(),
                                static_cast<unsigned int>(out.size()));
  if (n == 0) {
    return std::nullopt;
  }
  out.resize(n);
  return out;
}

bool LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  if (in.size() > UINT_MAX || out_len > UINT_MAX || out_len / kMaxExpansion > in.size()) {
    return false;
  }
  if (out_len == 0) {
    // lzf_decompress reports an error as 0, which would read as "decoded 0 bytes".
    out->clear();
    return in.empty();
  }
  out->resize(out_len);
  unsigned int n = lzf_decompress(in.data(), static_cast<unsigned int>(in.size()), out->data(),
                                  static_cast<unsigned int>(out_len));
  return n == out_len;
}

}  // namespace redoubt::persistence
