// Access keys; see credentials_file.h.
#include "control/credentials_file.h"

#include <openssl/rand.h>

#include "absl/status/status.h"
#include "common/ascii.h"
#include "common/errno_text.h"
#include "common/file_io.h"

namespace redoubt::control {
namespace {

std::string RandomFrom(std::string_view alphabet, size_t n) {
  std::string out;
  unsigned char byte = 0;
  while (out.size() < n) {
    RAND_bytes(&byte, 1);
    // Rejection sampling keeps every character equally likely.
    if (byte < 256 - 256 % alphabet.size()) {
      out.push_back(alphabet[byte % alphabet.size()]);
    }
  }
  return out;
}

}  // namespace

std::pair<std::string, std::string> NewAccessKey() {
  return {"AKIA" + RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
          RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)};
}

CredentialsFile CredentialsFile::Parse(std::string_view text) {
  CredentialsFile file;
  std::string key_id;
  std::string secret;
  auto finish_profile = [&] {
    if (!key_id.empty() && !secret.empty()) {
      file.secrets_[key_id] = secret;
    }
    key_id.clear();
    secret.clear();
  };
  for (std::string_view raw : common::Split(text, '\n')) {
    const std::string_view line = common::StripWhitespace(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[') {
      finish_profile();
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string_view name = common::StripWhitespace(line.substr(0, eq));
    const std::string_view value = common::StripWhitespace(line.substr(eq + 1));
    if (name == "aws_access_key_id") {
      key_id = value;
    } else if (name == "aws_secret_access_key") {
      secret = value;
    }
  }
  finish_profile();
  return file;
}

absl::StatusOr<CredentialsFile> CredentialsFile::LoadOrCreate(const std::string& path) {
  constexpr size_t kMaxBytes = 1 << 20;
  std::string text;
  absl::Status read = common::ReadSmallFile(path, kMaxBytes, &text);
  if (absl::IsNotFound(read)) {
    const auto [key_id, secret] = NewAccessKey();
    text =
        "[default]\naws_access_key_id = " + key_id + "\naws_secret_access_key = " + secret + "\n";
    if (const int err = common::ReplaceFileDurably(path, text, 0600); err != 0) {
      return absl::InternalError("cannot write " + path + ": " + common::ErrnoText(err));
    }
  } else if (!read.ok()) {
    return read;
  }
  CredentialsFile file = Parse(text);
  if (file.size() == 0) {
    return absl::InvalidArgumentError(path + " has no profile with both aws_access_key_id and " +
                                      "aws_secret_access_key");
  }
  return file;
}

std::optional<std::string> CredentialsFile::SecretOf(std::string_view access_key) const {
  auto it = secrets_.find(access_key);
  if (it == secrets_.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace redoubt::control
