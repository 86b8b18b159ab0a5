// The shared script cache; see script_cache.h.
#include "scripting/script_cache.h"

#include <openssl/sha.h>

#include "common/ascii.h"

namespace redoubt::scripting {
std::string Sha1Hex(std::string_view bytes) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * SHA_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

std::string ScriptCache::Add(std::string_view body) {
  std::string sha = Sha1Hex(body);
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = bodies_.try_emplace(sha, body);
  if (inserted) {
    body_bytes_.fetch_add(body.size(), std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  return sha;
}

std::optional<std::string> ScriptCache::Find(std::string_view sha) const {
  std::string key = common::ToLower(sha);
  absl::MutexLock lock(&mu_);
  auto it = bodies_.find(key);
  if (it == bodies_.end()) {
    return std::nullopt;
  }
  return it->second;
}

bool ScriptCache::Contains(std::string_view sha) const {
  std::string key = common::ToLower(sha);
  absl::MutexLock lock(&mu_);
  return bodies_.contains(key);
}

void ScriptCache::Flush() {
  absl::MutexLock lock(&mu_);
  bodies_.clear();
  body_bytes_.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace redoubt::scripting
