// LZF through liblzf; see lzf_codec.h.
#include "persistence/lzf_codec.h"

#include <lzf.h>

#include <climits>

namespace redoubt::persistence {

std::optional<std::string> LzfCompress(std::string_view in) {
  if (in.size() <= 4 || in.size() > UINT_MAX) {
    return std::nullopt;
  }
  std::string out(in.size() - 4, '\0');
  unsigned int n = lzf_compress(in.data(), static_cast<unsigned int>(in.size()), out.data(),
                                static_cast<unsigned int>(out.size()));
  if (n == 0) {
    return std::nullopt;
  }
  out.resize(n);
  return out;
}

bool LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  if (out_len > UINT_MAX || in.size() > UINT_MAX) {
    return false;
  }
  out->assign(out_len, '\0');
  if (out_len == 0) {
    return in.empty();
  }
  unsigned int n = lzf_decompress(in.data(), static_cast<unsigned int>(in.size()), out->data(),
                                  static_cast<unsigned int>(out_len));
  return n == out_len;
}

}  // namespace redoubt::persistence
