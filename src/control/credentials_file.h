// The control plane's access keys, in AWS's shared-credentials format so that awscli and boto3
// read the same file (AWS_SHARED_CREDENTIALS_FILE):
//
//   [default]
//   aws_access_key_id = AKIA…
//   aws_secret_access_key = …
//
// On first start the control plane writes one profile, `default`, with a generated key pair
// (mode 0600); every profile in the file is a key the endpoint accepts.
//
// Thread: a value, loaded once.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace redoubt::control {

class CredentialsFile {
 public:
  // Reads path; writes a new `default` profile there first when the file does not exist.
  static absl::StatusOr<CredentialsFile> LoadOrCreate(const std::string& path);
  // Parses the text of a credentials file.
  static CredentialsFile Parse(std::string_view text);

  // The secret of an access key, or nullopt when the key is unknown.
  std::optional<std::string> SecretOf(std::string_view access_key) const;
  size_t size() const { return secrets_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> secrets_;  // access key → secret
};

// A new key pair: AKIA + 16 of A–Z and 2–7 (as AWS's), and a 40-character secret.
std::pair<std::string, std::string> NewAccessKey();

}  // namespace redoubt::control
