// Secret values at rest: AES-256-GCM under keys of the control plane's key file (the data
// folder's secrets.key, mode 0600, created at first start), so that the state store, its
// backups and its copies hold no secret in the clear.
//
// The key file has one key per line, "<id> <64 hex digits>". The last line seals; every line
// opens, so a rotation appends a key (`redoubt-control new-secret-key`) and the values sealed
// under older keys stay readable; Secrets re-seals them under the newest at its next start,
// after which an old line may be removed.
//
// A sealed value is "<key id>:<base64 of nonce(12) ‖ ciphertext ‖ tag(16)>", its context (the
// secret's ARN and version id) authenticated with it, so that a value copied onto another
// version or secret does not open.
//
// Thread: immutable after loading; Seal and Open may run on any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace redoubt::control {

class SecretKeyring {
 public:
  // Reads path, first writing a file with one new key when there is none. An unreadable file,
  // a bad line or a file readable by others is an error (the control plane does not start).
  static absl::StatusOr<SecretKeyring> LoadOrCreate(const std::string& path);
  // Appends a new key to path (a rotation): it seals from the next start on. Its id.
  static absl::StatusOr<std::string> AddKey(const std::string& path);
  // A keyring of the given keys (id, 32 raw bytes), the last sealing; for tests.
  static SecretKeyring FromKeys(std::vector<std::pair<std::string, std::string>> keys);

  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // The plaintext; an error when the key is unknown, or the value or its context was altered.
  absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view context) const;
  // Whether sealed is under the key that seals now (else it is sealed again at start).
  bool IsCurrent(std::string_view sealed) const;

 private:
  std::vector<std::pair<std::string, std::string>> keys_;  // id, 32 bytes; the last seals
};

}  // namespace redoubt::control
