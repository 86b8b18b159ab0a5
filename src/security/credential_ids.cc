// Credential ids, added times and the state file; see credential_ids.h.
#include "security/credential_ids.h"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <vector>

#include "common/errno_text.h"
#include "common/file_io.h"
#include "common/log.h"
#include "security/password_hash.h"

namespace redoubt::security {
namespace {

// Far more than any real table (an entry is ~30 bytes); a bigger file is not ours.
constexpr size_t kMaxStateFileBytes = 16 << 20;

std::array<uint8_t, 32> NewSecret() {
  std::array<uint8_t, 32> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    // A predictable secret would make ids guessable again; the kernel's source will do.
    std::random_device rd;
    for (uint8_t& b : secret) {
      b = static_cast<uint8_t>(rd());
    }
  }
  return secret;
}

bool IsIdText(std::string_view s) {
  return s.size() == kIdHexDigits &&
         s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Writes text to path as a whole (common/file_io.h), mode 0600 from the start, so the secret
// is never readable by others, even briefly.
absl::Status ReplaceFile(const std::string& path, std::string_view text) {
  if (int err = common::ReplaceFileDurably(path, text, 0600); err != 0) {
    return absl::UnavailableError(common::ErrnoText(err));
  }
  return absl::OkStatus();
}

}  // namespace

CredentialIds::CredentialIds() : secret_(NewSecret()) {}

absl::Status CredentialIds::Load(std::string path) {
  std::string text;
  absl::Status read = common::ReadSmallFile(path, kMaxStateFileBytes, &text);
  absl::MutexLock lock(&mu_);
  path_ = std::move(path);
  ++version_;  // whatever was there, the file is (re)written by the next Persist
  if (absl::IsNotFound(read)) {
    return absl::OkStatus();
  }
  if (!read.ok()) {
    return absl::UnavailableError("can't read credential state file '" + path_ +
                                  "': " + std::string(read.message()));
  }
  // Parsed without exceptions: a damaged file is bad input, not a crash.
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto secret = j.is_object() ? j.find("secret") : j.end();
  std::optional<PasswordHash> parsed;  // the secret has the same 32-byte hex form as a hash
  if (secret != j.end() && secret->is_string()) {
    parsed = ParsePasswordHash(secret->get_ref<const std::string&>());
  }
  if (!parsed.has_value()) {
    return absl::DataLossError("credential state file '" + path_ +
                               "' is not valid (no 64-hex-digit \"secret\")");
  }
  secret_ = *parsed;
  added_.clear();
  auto added = j.find("added");
  if (added != j.end() && added->is_object()) {
    for (const auto& [id, ms] : added->items()) {
      // An entry that is not ours is skipped; the next write drops it.
      if (IsIdText(id) && ms.is_number_integer()) {
        added_[id] = ms.get<int64_t>();
      }
    }
  }
  loaded_ = true;
  return absl::OkStatus();
}

std::string CredentialIds::Id(std::string_view user, std::string_view material) const {
  std::string input;
  input.reserve(user.size() + 1 + material.size());
  input.append(user);
  input.push_back('\0');
  input.append(material);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  {
    absl::MutexLock lock(&mu_);
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  }
  PasswordHash digest{};
  std::memcpy(digest.data(), mac, std::min<size_t>(mac_len, digest.size()));
  return ToHex(digest).substr(0, kIdHexDigits);
}

void CredentialIds::Retain(std::span<const std::string> ids, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  std::map<std::string, int64_t, std::less<>> next;
  for (const std::string& id : ids) {
    auto it = added_.find(id);
    next.emplace(id, it != added_.end() ? it->second : now_ms);
  }
  if (next != added_) {
    added_ = std::move(next);
    ++version_;
  }
}

void CredentialIds::Replace(std::span<const std::string> before, std::span<const std::string> after,
                            int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  bool changed = false;
  for (const std::string& id : before) {
    if (std::find(after.begin(), after.end(), id) == after.end()) {
      changed |= added_.erase(id) > 0;
    }
  }
  for (const std::string& id : after) {
    changed |= added_.emplace(id, now_ms).second;
  }
  if (changed) {
    ++version_;
  }
}

int64_t CredentialIds::AddedMs(std::string_view id) const {
  absl::MutexLock lock(&mu_);
  auto it = added_.find(id);
  return it == added_.end() ? 0 : it->second;
}

bool CredentialIds::loaded_from_file() const {
  absl::MutexLock lock(&mu_);
  return loaded_;
}

absl::Status CredentialIds::Persist() {
  absl::MutexLock write_lock(&write_mu_);
  return WriteLocked();
}

void CredentialIds::PersistOrWarn() {
  absl::MutexLock write_lock(&write_mu_);
  bool was_failing = failing_;
  absl::Status st = WriteLocked();
  if (!st.ok() && !was_failing) {
    common::Log(common::LogLevel::kWarning,
                std::string(st.message()) +
                    "; the added times of credentials changed from now on are not kept");
  } else if (st.ok() && was_failing) {
    common::Log(common::LogLevel::kNotice, "credential state file written again");
  }
}

absl::Status CredentialIds::WriteLocked() {
  std::string path;
  std::string text;
  uint64_t version = 0;
  {
    absl::MutexLock lock(&mu_);
    if (path_.empty() || version_ == written_version_) {
      return absl::OkStatus();
    }
    // Ordered: the secret first, then the ids in order, as a person reading the file expects.
    nlohmann::ordered_json added = nlohmann::ordered_json::object();
    for (const auto& [id, ms] : added_) {
      added[id] = ms;
    }
    nlohmann::ordered_json j;
    j["secret"] = ToHex(secret_);
    j["added"] = std::move(added);
    text = j.dump() + "\n";  // ASCII only, so dump() cannot throw
    path = path_;
    version = version_;
  }
  absl::Status st = ReplaceFile(path, text);
  failing_ = !st.ok();
  if (!st.ok()) {
    return absl::UnavailableError("can't write credential state file '" + path +
                                  "': " + std::string(st.message()));
  }
  written_version_ = version;
  return absl::OkStatus();
}

}  // namespace redoubt::security
