// How INFO auth names a credential without giving the password away, when each credential was
// added, and the small state file that keeps both across restarts and CONFIG REWRITE.
//
// A password's id is the first kIdHexDigits hex digits of
//   HMAC-SHA256(secret, user name + NUL + SHA-256 of the password)
// with a secret only this server holds:
//  - not derived from the password alone: without the secret nobody can test guesses against an
//    id offline (a plain SHA-256 prefix let anyone allowed INFO recover weak passwords);
//  - the user name is part of it: two users sharing a password get unrelated ids, so INFO does
//    not show who shares one (a user name holds no NUL, so the input splits one way only);
//  - from the SHA-256, which is what the server keeps (ACL SETUSER `#<hash>`, CONFIG REWRITE,
//    aclfiles): the same user and password keep their id whichever way they were configured.
// 48 bits: a server's few thousand credentials do not collide (that takes millions), and an id
// stays short enough to read and grep. A user's nopass has a key made the same way from the
// word "nopass" (never a 32-byte hash, so never a password's id) for its added time.
//
// State file (<dir>/redoubt-credentials.json), the server's own: mode 0600, replaced as a whole
// (written aside, then renamed), never a password nor a password's hash:
//   {"secret":"<64 hex digits>","added":{"<id>":<unix ms>,…}}
// Only the credentials configured now are kept; a removed password is forgotten, so adding it
// again later is a new "added" time.
//
// Thread: thread-safe. mu_ guards the secret and the table; write_mu_ keeps writers of the
// file in order (each writes the latest table), and nobody holds mu_ during file I/O.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace redoubt::security {

inline constexpr size_t kIdHexDigits = 12;
// The state file's name, in the directory of the `dir` directive.
inline constexpr std::string_view kCredentialStateFile = "redoubt-credentials.json";

class CredentialIds {
 public:
  // A random secret of this process and no file: ids change at restart (until Load).
  CredentialIds();

  // Makes path the state file and takes the secret and added times recorded there. A missing
  // file is not an error (it is written by the next Persist). A file that cannot be read or is
  // not a state file leaves a new secret and an empty table, and the error says why (Persist
  // then replaces it). Call at start-up, before ids are handed out: the secret may change.
  [[nodiscard]] absl::Status Load(std::string path);

  // The id of a credential of user: material is the password's SHA-256 (32 bytes), or "nopass".
  std::string Id(std::string_view user, std::string_view material) const;

  // The configured credentials are now exactly ids: each keeps the time it was added (known in
  // memory, or recorded in the file Load read), a new one is added at now_ms, others are
  // forgotten.
  void Retain(std::span<const std::string> ids, int64_t now_ms);
  // One user changed from the credentials before to those after: those only in before are
  // forgotten, those only in after are added at now_ms, the rest keep their time.
  void Replace(std::span<const std::string> before, std::span<const std::string> after,
               int64_t now_ms);
  // When a current credential was added (unix ms); 0 for one that is not current.
  int64_t AddedMs(std::string_view id) const;

  // Writes the state file when the table changed since it was last written (no file: nothing).
  // The error names the file and the reason.
  [[nodiscard]] absl::Status Persist();
  // Persist() for changes made at run time (the server's cron): a failure is logged once per
  // failing stretch, and the first success after one too.
  void PersistOrWarn();

  // True once a file was read, i.e. ids survive a restart even if writing fails.
  bool loaded_from_file() const;

 private:
  using Secret = std::array<uint8_t, 32>;

  absl::Status WriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(write_mu_);
  std::string path_ ABSL_GUARDED_BY(mu_);  // empty: no file
  Secret secret_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t, std::less<>> added_ ABSL_GUARDED_BY(mu_);  // id -> unix ms
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 1;                               // bumped by each change
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex write_mu_;
  uint64_t written_version_ ABSL_GUARDED_BY(write_mu_) = 0;
  bool failing_ ABSL_GUARDED_BY(write_mu_) = false;  // the last write failed
};

}  // namespace redoubt::security
