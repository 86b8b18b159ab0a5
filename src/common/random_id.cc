// Random identifiers; see random_id.h.
#include "common/random_id.h"

#include <absl/strings/escaping.h>

#include <random>

namespace redoubt::common {

std::string RandomHexId() {
  // std::random_device reads the kernel's generator: a fresh one per id is cheap enough for
  // ids made at start-up and on a promotion.
  std::random_device rd;
  char bytes[20];
  for (size_t i = 0; i < sizeof(bytes); i += 4) {
    const unsigned int word = rd();
    for (size_t j = 0; j < 4; ++j) {
      bytes[i + j] = static_cast<char>(word >> (8 * j));
    }
  }
  return absl::BytesToHexString(absl::string_view(bytes, sizeof(bytes)));
}

}  // namespace redoubt::common
