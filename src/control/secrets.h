// Secrets Manager's secrets: named values with versions, and the staging labels (AWSCURRENT,
// AWSPENDING, AWSPREVIOUS, or the caller's own) that say which version is which, moved exactly
// as the service moves them:
//   - a new version that takes AWSCURRENT (CreateSecret, PutSecretValue without
//     VersionStages, UpdateSecret with a value) gives AWSPREVIOUS to the version that had it;
//   - a label is on one version at a time: attaching it elsewhere removes it;
//   - a version without labels is deprecated, and dropped (oldest first) past 100 versions.
// A ClientRequestToken is the id of the version a call creates: the same call repeated (same
// token, same value) changes nothing and answers the same; the same token with another value
// is refused. DeleteSecret schedules the removal (7–30 days, during which RestoreSecret undoes
// it and the other operations refuse the secret) or does it at once (ForceDeleteWithoutRecovery).
//
// Values are sealed (secret_keyring.h) before they reach a record: the state store holds none
// in the clear, and nothing here logs one.
//
// Thread: safe; one mutex guards the records.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "control/group_model.h"
#include "control/query_protocol.h"
#include "control/secret_keyring.h"
#include "control/state_store.h"

namespace redoubt::control {

inline constexpr char kStageCurrent[] = "AWSCURRENT";
inline constexpr char kStagePending[] = "AWSPENDING";
inline constexpr char kStagePrevious[] = "AWSPREVIOUS";

struct SecretVersionRecord {
  std::string id;
  std::vector<std::string> stages;
  int64_t created_ms = 0;
  int64_t accessed_ms = 0;  // the last GetSecretValue of it; 0: never
  bool has_string = false;
  bool has_binary = false;
  std::string sealed_string;
  std::string sealed_binary;  // the raw bytes, sealed
};

struct SecretRecord {
  std::string arn;
  std::string name;
  std::string description;
  std::string kms_key_id;  // kept and shown; the sealing key is the control plane's
  int64_t created_ms = 0;
  int64_t changed_ms = 0;
  int64_t accessed_ms = 0;
  int64_t deletion_ms = 0;  // when a scheduled deletion removes it; 0: not deleted
  std::vector<TagRecord> tags;
  std::vector<SecretVersionRecord> versions;  // oldest first

  // Rotation (secret_rotation.h): its function (one of the control plane's rotators, by
  // Lambda ARN), its rules as given and their interval, and the rotation under way: the
  // version it makes and the step it reached (createSecret, setSecret, testSecret,
  // finishSecret, retirePrevious), kept so that a restart resumes it.
  bool rotation_enabled = false;
  std::string rotation_lambda_arn;
  std::string rotation_rules_json;
  int64_t rotation_interval_ms = 0;
  int64_t last_rotated_ms = 0;
  int64_t next_rotation_ms = 0;
  std::string rotating_version;
  std::string rotation_step;
  int64_t rotation_step_started_ms = 0;

  const SecretVersionRecord* VersionWithStage(const std::string& stage) const;
  const SecretVersionRecord* Version(const std::string& id) const;
};

// Secrets Manager's two refusals that every operation may give.
ApiError InvalidParameterException(std::string message);
ApiError InvalidRequestException(std::string message);

// A secret's value as given or read: a string, binary bytes, or both.
struct SecretValue {
  std::optional<std::string> string;
  std::optional<std::string> binary;
};

class Secrets {
 public:
  // region and account make the ARNs.
  Secrets(StateStore& store, SecretKeyring keyring, std::string region, std::string account);

  // Reads the stored secrets, sealing again under the newest key the values of older ones;
  // call once, before serving.
  absl::Status Load();

  struct NewVersion {
    std::string token;                // its id; empty: a random one
    SecretValue value;                // neither member: no version
    std::vector<std::string> stages;  // empty: AWSCURRENT
  };
  // CreateSecret: draft has name, description, KMS key id and tags. *created is the secret,
  // *version_id its first version's (none without a value).
  std::optional<ApiError> Create(SecretRecord draft, NewVersion version, SecretRecord* created,
                                 std::string* version_id);
  // PutSecretValue, UpdateSecret's value: a new version of the secret id names.
  std::optional<ApiError> AddVersion(const std::string& secret_id, NewVersion version,
                                     SecretRecord* secret, std::string* version_id);
  // UpdateSecret's other members (nullopt: unchanged).
  std::optional<ApiError> Update(const std::string& secret_id,
                                 const std::optional<std::string>& description,
                                 const std::optional<std::string>& kms_key_id,
                                 SecretRecord* secret);
  // GetSecretValue: by version id, or stage (AWSCURRENT when neither), or both if they agree.
  std::optional<ApiError> GetValue(const std::string& secret_id,
                                   const std::optional<std::string>& version_id,
                                   const std::optional<std::string>& stage, SecretRecord* secret,
                                   SecretVersionRecord* version, SecretValue* value);
  // UpdateSecretVersionStage.
  std::optional<ApiError> MoveStage(const std::string& secret_id, const std::string& stage,
                                    const std::optional<std::string>& remove_from,
                                    const std::optional<std::string>& move_to,
                                    SecretRecord* secret);
  // DeleteSecret: recovery_days 7–30, or force (at once).
  std::optional<ApiError> Delete(const std::string& secret_id, int64_t recovery_days, bool force,
                                 SecretRecord* secret);
  std::optional<ApiError> Restore(const std::string& secret_id, SecretRecord* secret);
  std::optional<ApiError> Tag(const std::string& secret_id, const std::vector<TagRecord>& tags);
  std::optional<ApiError> Untag(const std::string& secret_id, const std::vector<std::string>& keys);

  // Rotation's own changes (secret_rotation.h): change runs on the stored secret, under the
  // lock, and what it leaves is saved; *secret is the result.
  std::optional<ApiError> ChangeRotation(
      const std::string& secret_id, SecretRecord* secret,
      const std::function<std::optional<ApiError>(SecretRecord&)>& change) {
    return Change(secret_id, false, secret, change);
  }
  // The value of a version of a secret (for rotation): nullopt when it has none.
  std::optional<SecretValue> ValueOf(const std::string& secret_id, const std::string& version_id);

  // DescribeSecret (a secret scheduled for deletion too).
  std::optional<ApiError> Describe(const std::string& secret_id, SecretRecord* secret);
  // Every secret, oldest first; those scheduled for deletion only with planned_deletion.
  std::vector<SecretRecord> All(bool planned_deletion);

 private:
  // The secret a SecretId names: its name, its ARN, or its ARN without the random suffix.
  // Requires: mu_ held.
  SecretRecord* ResolveLocked(const std::string& secret_id);
  // As ResolveLocked, with Secrets Manager's errors: not found, or scheduled for deletion
  // (refused unless deleted_ok).
  std::optional<ApiError> FindLocked(const std::string& secret_id, bool deleted_ok,
                                     SecretRecord** found);
  // Secrets whose scheduled deletion is due are removed. Requires: mu_ held.
  void PurgeLocked();
  // The common path of a change: finds the secret (refusing one scheduled for deletion unless
  // deleted_ok), runs change on a copy, saves it, and only then makes it the secret.
  std::optional<ApiError> Change(
      const std::string& secret_id, bool deleted_ok, SecretRecord* secret,
      const std::function<std::optional<ApiError>(SecretRecord&)>& change);
  std::optional<ApiError> AddVersionLocked(SecretRecord& secret, NewVersion version,
                                           std::string* version_id);
  absl::Status SaveLocked(const SecretRecord& secret);
  // The plaintext of version's members into *value.
  absl::Status Unseal(const SecretRecord& secret, const SecretVersionRecord& version,
                      SecretValue* value) const;
  static std::string ContextOf(const SecretRecord& secret, const SecretVersionRecord& version,
                               const char* member);

  StateStore& store_;
  const SecretKeyring keyring_;
  const std::string region_;
  const std::string account_;
  std::mutex mu_;
  std::map<std::string, SecretRecord> secrets_;  // by ARN
};

}  // namespace redoubt::control
