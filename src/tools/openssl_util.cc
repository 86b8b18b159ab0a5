// OpenSSL helpers; see openssl_util.h.
#include "tools/openssl_util.h"

#include <openssl/err.h>

namespace redoubt::tools {

std::string DrainOpenSslErrors(const std::string& fallback) {
  std::string message;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!message.empty()) {
      message += "; ";
    }
    message += buf;
  }
  return message.empty() ? fallback : message;
}

}  // namespace redoubt::tools
