// Secrets Manager's GetRandomPassword: a password of the requested length from the character
// classes not excluded (lowercase, uppercase, digits, ASCII punctuation, and space when asked
// for), with at least one of each class when RequireEachIncludedType holds. Random bytes from
// OpenSSL's generator; each character drawn uniformly (rejection sampling, no modulo bias).
//
// Thread: pure function.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace redoubt::control {

struct PasswordRules {
  int64_t length = 32;
  std::string exclude_characters;
  bool exclude_numbers = false;
  bool exclude_punctuation = false;
  bool exclude_uppercase = false;
  bool exclude_lowercase = false;
  bool include_space = false;
  bool require_each_included_type = true;
};

// InvalidArgument when nothing is left to draw from, or the length cannot hold one of each
// required class.
absl::StatusOr<std::string> RandomPassword(const PasswordRules& rules);

}  // namespace redoubt::control
