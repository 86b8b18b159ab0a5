// Random passwords; see random_password.h.
#include "control/random_password.h"

#include <openssl/rand.h>

#include <utility>
#include <vector>

namespace redoubt::control {
namespace {

// A uniform index in [0, n): 32 random bits, redrawn above the largest multiple of n.
uint32_t UniformBelow(uint32_t n) {
  const uint32_t limit = UINT32_MAX - UINT32_MAX % n;
  for (;;) {
    uint32_t x = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&x), sizeof x);
    if (x < limit) {
      return x % n;
    }
  }
}

}  // namespace

absl::StatusOr<std::string> RandomPassword(const PasswordRules& rules) {
  if (rules.length < 1 || rules.length > 4096) {
    return absl::InvalidArgumentError("PasswordLength must be between 1 and 4096.");
  }
  std::vector<std::pair<bool, std::string>> classes = {
      {rules.exclude_lowercase, "abcdefghijklmnopqrstuvwxyz"},
      {rules.exclude_uppercase, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
      {rules.exclude_numbers, "0123456789"},
      {rules.exclude_punctuation, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"},
      {!rules.include_space, " "},
  };
  std::vector<std::string> included;
  std::string all;
  for (auto& [excluded, characters] : classes) {
    if (excluded) {
      continue;
    }
    std::erase_if(characters,
                  [&](char c) { return rules.exclude_characters.find(c) != std::string::npos; });
    if (!characters.empty()) {
      all += characters;
      included.push_back(characters);
    }
  }
  if (all.empty()) {
    return absl::InvalidArgumentError("The exclusions leave no character to draw from.");
  }
  const size_t length = static_cast<size_t>(rules.length);
  if (rules.require_each_included_type && included.size() > length) {
    return absl::InvalidArgumentError(
        "PasswordLength is too short to include a character of each included type.");
  }
  std::string password;
  if (rules.require_each_included_type) {
    for (const std::string& characters : included) {
      password += characters[UniformBelow(static_cast<uint32_t>(characters.size()))];
    }
  }
  while (password.size() < length) {
    password += all[UniformBelow(static_cast<uint32_t>(all.size()))];
  }
  // The required characters were drawn first: shuffled, so their places are random too.
  for (size_t i = password.size() - 1; i > 0; --i) {
    std::swap(password[i], password[UniformBelow(static_cast<uint32_t>(i + 1))]);
  }
  return password;
}

}  // namespace redoubt::control
