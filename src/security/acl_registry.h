// Every ACL user of the server, how connections authenticate against them, and how often each
// credential is used (for rotation: which password do connected clients still hold).
//
// Users are immutable once published: ACL SETUSER copies the user, applies the rules to the
// copy and swaps it in whole, so a half-applied rule list is never visible and a bad rule
// leaves the user unchanged. version() is bumped on every change; a connection keeps a
// shared_ptr to its user and compares versions (one relaxed load) before each command, so
// the check on the request path takes no lock.
//
// Credential usage: each successful authentication is counted against the credential that
// matched: a password (named by an opaque id, credential_ids.h: keyed with the server's
// secret, never derived from the password alone), "nopass" or "certificate". A connection holds
// a CredentialLease while authenticated with it, so INFO can say how many connected clients
// still use the old password of a rotation, when it last authenticated anyone, and when each
// credential was added (the state file keeps ids and added times across restarts). Removing a
// password keeps its usage row while clients hold it.
//
// Thread: every method may be called from any thread; one mutex for users, ids and usage rows.
// The credential state file is written by PersistCredentialState(), never under that mutex.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "security/acl_command_catalog.h"
#include "security/acl_log.h"
#include "security/acl_stats.h"
#include "security/acl_user.h"
#include "security/credential_ids.h"
#include "security/password_hash.h"

namespace redoubt::security {

struct CredentialUsage {
  std::string user;
  std::string id;  // the password's CredentialIds id, "nopass" or "certificate"
  // When the credential was added (0 for a certificate), as last known while it was current;
  // read and written under the registry's mutex only.
  int64_t added_ms = 0;
  std::atomic<int64_t> connected{0};
  std::atomic<uint64_t> successes{0};
  // Last authentication with it, or last command of a connection holding it (refreshed at the
  // I/O threads' timer pace).
  std::atomic<int64_t> last_used_ms{0};
};

// Counts one connected client against a credential for as long as it lives.
class CredentialLease {
 public:
  CredentialLease() = default;
  explicit CredentialLease(std::shared_ptr<CredentialUsage> usage);
  ~CredentialLease();
  CredentialLease(CredentialLease&& other) noexcept;
  CredentialLease& operator=(CredentialLease&& other) noexcept;
  CredentialLease(const CredentialLease&) = delete;
  CredentialLease& operator=(const CredentialLease&) = delete;

  const CredentialUsage* usage() const { return usage_.get(); }
  // Records use of the credential at unix_ms (when later than the last recorded use).
  void Touch(int64_t unix_ms) {
    if (usage_ && usage_->last_used_ms.load(std::memory_order_relaxed) < unix_ms) {
      usage_->last_used_ms.store(unix_ms, std::memory_order_relaxed);
    }
  }

 private:
  std::shared_ptr<CredentialUsage> usage_;
};

struct AuthResult {
  std::shared_ptr<const AclUser> user;  // nullptr: refused
  std::shared_ptr<CredentialUsage> credential;
  // Why it was refused, for the audit log (never shown to the client, which gets WRONGPASS):
  // "no such user", "user is disabled", "wrong password", "user requires a client certificate".
  std::string refusal;
  bool ok() const { return user != nullptr; }
};

// One row of INFO's per-credential table.
struct CredentialRow {
  std::string user;
  std::string id;
  bool current = false;  // still one of the user's credentials (false: removed, still held)
  int64_t added_ms = 0;  // unix ms; 0 for "certificate", which is not configured as such
  int64_t connected = 0;
  uint64_t successes = 0;
  int64_t last_used_ms = 0;
};

class AclRegistry {
 public:
  // Starts with the default user: "on nopass ~* &* +@all".
  explicit AclRegistry(std::shared_ptr<const AclCommandCatalog> catalog);

  const AclCommandCatalog& catalog() const { return *catalog_; }

  // ACL SETUSER name rule…: creates the user if needed. The error is the reply text without
  // "ERR " ("Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in
  // ACL"); the user is then unchanged.
  absl::Status SetUser(std::string_view name, std::span<const std::string_view> rules);
  // ACL DELUSER: the number deleted; refuses "default".
  absl::StatusOr<int> DeleteUsers(std::span<const std::string_view> names);
  std::shared_ptr<const AclUser> Find(std::string_view name) const;
  // Sorted by name, as Redis's radix tree returns them.
  std::vector<std::shared_ptr<const AclUser>> Users() const;

  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // True when the default user has passwords (no nopass) or is off: connections must AUTH.
  bool default_requires_auth() const {
    return default_requires_auth_.load(std::memory_order_relaxed);
  }
  void set_all_channels_by_default(bool all);

  // requirepass: the default user gets exactly this password ("" = nopass).
  void SetDefaultPassword(std::string_view password);

  AuthResult Authenticate(std::string_view user, std::string_view password, int64_t now_ms);
  // A verified client certificate names the user: it must exist and be on.
  AuthResult AuthenticateCertificate(std::string_view user, int64_t now_ms);
  // A new connection while the default user needs no password.
  AuthResult DefaultWithoutPassword();

  // Replaces all users by "user <name> <rules>" lines (an aclfile, or `user` directives), all
  // or nothing. The error names the source, line and rule. *changed receives the names of
  // users that were removed or whose definition changed.
  absl::Status LoadUserLines(std::span<const std::string> lines, std::string_view source,
                             std::vector<std::string>* changed);
  // The aclfile text: one "user <name> <rules>" line per user.
  std::string Serialize() const;

  std::vector<CredentialRow> CredentialRows() const;

  // Makes path (<dir>/redoubt-credentials.json) the credential state file: takes the secret and
  // added times recorded there, then writes it (creating it). Call once at start-up, after the
  // configured users are loaded and before any client: every id may change. The error is a
  // warning for the server log (the file could not be read or written, and what that means);
  // the registry works either way, with a secret of this process if no file could be used.
  [[nodiscard]] absl::Status AttachCredentialState(std::string path);
  // Writes the state file if the credentials changed since it was last written; a failure is
  // logged once per failing stretch. For the server's cron and shutdown, not for the command
  // that made the change: a burst of ACL SETUSERs costs one write, and no client waits for the
  // disk (a write with fsync takes milliseconds).
  void PersistCredentialState();
  AclLog& log() { return log_; }
  // INFO stats counters of authentication and ACL refusals. Any thread.
  AclStats& stats() { return stats_; }

 private:
  std::shared_ptr<CredentialUsage> UsageLocked(const std::string& user, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The caches below and ids_ follow users_: a change of one user forgets its credentials'
  // keys (returned) and learns those of its new definition (returned); ids_.Replace() then
  // keeps the added times of those in both. RefreshCredentialsLocked() does it for all users
  // (ACL LOAD, start-up), with ids_.Retain().
  std::vector<std::string> ForgetCredentialsLocked(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::string> LearnCredentialsLocked(const std::string& name, const AclUser& user)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RefreshCredentialsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The id of one of user's current passwords, and when it was added.
  const std::string& PasswordIdLocked(const std::string& user, const PasswordHash& hash) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t NopassAddedLocked(const std::string& user) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  AuthResult Succeed(std::shared_ptr<const AclUser> user, const std::string& credential,
                     int64_t added_ms, int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The user a password or a certificate names, when it exists and is on; otherwise null, and
  // *refusal says which ("no such user", "user is disabled"). Valid while mu_ is held.
  const std::shared_ptr<const AclUser>* EnabledUserLocked(std::string_view name,
                                                          std::string* refusal) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<const AclCommandCatalog> catalog_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::shared_ptr<CredentialUsage>> usage_
      ABSL_GUARDED_BY(mu_);
  // Thread-safe itself; changed under mu_ so that it follows users_.
  CredentialIds ids_;
  // (user, password hash) -> id and user -> key of its nopass, for the credentials configured
  // now: computed when a user changes, not per AUTH or INFO.
  std::map<std::pair<std::string, PasswordHash>, std::string> password_ids_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> nopass_keys_ ABSL_GUARDED_BY(mu_);
  uint64_t next_uid_ ABSL_GUARDED_BY(mu_) = 1;
  bool all_channels_by_default_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> version_{1};
  std::atomic<bool> default_requires_auth_{false};
  AclLog log_;
  AclStats stats_;
};

}  // namespace redoubt::security
