// Secrets Manager's secrets and their versions; see secrets.h.
#include "control/secrets.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "control/random_password.h"
#include "control/resource_records.h"

namespace redoubt::control {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecretVersionRecord, id, stages, created_ms,
                                                accessed_ms, has_string, has_binary, sealed_string,
                                                sealed_binary)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecretRecord, arn, name, description, kms_key_id,
                                                created_ms, changed_ms, accessed_ms, deletion_ms,
                                                tags, versions, rotation_enabled,
                                                rotation_lambda_arn, rotation_rules_json,
                                                rotation_interval_ms, last_rotated_ms,
                                                next_rotation_ms, rotating_version, rotation_step,
                                                rotation_step_started_ms)

namespace {

constexpr char kSecretKind[] = "secret";
constexpr size_t kMaxVersions = 100;  // Secrets Manager's: deprecated versions beyond go
constexpr int64_t kDayMs = 86400 * 1000;

ApiError NotFound() {
  return ApiError{400, "ResourceNotFoundException",
                  "Secrets Manager can't find the specified secret."};
}

// Secrets Manager's six random characters after the name in an ARN.
std::string RandomSuffix() {
  return RandomPassword(
             {.length = 6, .exclude_punctuation = true, .require_each_included_type = false})
      .value_or("000000");  // letters and digits are never all excluded
}

bool HasStage(const SecretVersionRecord& version, const std::string& stage) {
  return std::find(version.stages.begin(), version.stages.end(), stage) != version.stages.end();
}

void RemoveStage(SecretVersionRecord& version, const std::string& stage) {
  std::erase(version.stages, stage);
}

// Attaches stage to target, removing it from every other version; AWSCURRENT leaves
// AWSPREVIOUS on the version that had it.
void AttachStage(SecretRecord& secret, SecretVersionRecord& target, const std::string& stage) {
  if (HasStage(target, stage)) {
    return;
  }
  for (SecretVersionRecord& other : secret.versions) {
    if (&other != &target && HasStage(other, stage)) {
      RemoveStage(other, stage);
      if (stage == kStageCurrent) {
        for (SecretVersionRecord& any : secret.versions) {
          RemoveStage(any, kStagePrevious);
        }
        other.stages.push_back(kStagePrevious);
      }
    }
  }
  if (stage == kStageCurrent) {
    RemoveStage(target, kStagePrevious);
  }
  target.stages.push_back(stage);
}

}  // namespace

ApiError InvalidParameterException(std::string message) {
  return ApiError{400, "InvalidParameterException", std::move(message)};
}

ApiError InvalidRequestException(std::string message) {
  return ApiError{400, "InvalidRequestException", std::move(message)};
}

const SecretVersionRecord* SecretRecord::VersionWithStage(const std::string& stage) const {
  for (const SecretVersionRecord& version : versions) {
    if (HasStage(version, stage)) {
      return &version;
    }
  }
  return nullptr;
}

const SecretVersionRecord* SecretRecord::Version(const std::string& id) const {
  for (const SecretVersionRecord& version : versions) {
    if (version.id == id) {
      return &version;
    }
  }
  return nullptr;
}

Secrets::Secrets(StateStore& store, SecretKeyring keyring, std::string region, std::string account)
    : store_(store),
      keyring_(std::move(keyring)),
      region_(std::move(region)),
      account_(std::move(account)) {}

std::string Secrets::ContextOf(const SecretRecord& secret, const SecretVersionRecord& version,
                               const char* member) {
  return secret.arn + "\n" + version.id + "\n" + member;
}

absl::Status Secrets::Load() {
  std::lock_guard lock(mu_);
  if (absl::Status s = LoadRecords(
          store_, kSecretKind, [](const SecretRecord& r) { return r.arn; }, &secrets_);
      !s.ok()) {
    return s;
  }
  // A rotated key file: what older keys sealed is sealed again under the newest.
  for (auto& [arn, secret] : secrets_) {
    bool resealed = false;
    for (SecretVersionRecord& version : secret.versions) {
      for (auto [sealed, member] : {std::pair{&version.sealed_string, "string"},
                                    std::pair{&version.sealed_binary, "binary"}}) {
        if (sealed->empty() || keyring_.IsCurrent(*sealed)) {
          continue;
        }
        absl::StatusOr<std::string> plain =
            keyring_.Open(*sealed, ContextOf(secret, version, member));
        if (!plain.ok()) {
          return absl::Status(plain.status().code(), "secret " + secret.name + ": " +
                                                         std::string(plain.status().message()));
        }
        *sealed = keyring_.Seal(*plain, ContextOf(secret, version, member));
        resealed = true;
      }
    }
    if (resealed) {
      if (absl::Status s = SaveLocked(secret); !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Secrets::SaveLocked(const SecretRecord& secret) {
  return SaveRecord(store_, kSecretKind, secret.arn, secret);
}

void Secrets::PurgeLocked() {
  const int64_t now = common::UnixMillis();
  for (auto it = secrets_.begin(); it != secrets_.end();) {
    if (it->second.deletion_ms != 0 && it->second.deletion_ms <= now) {
      (void)store_.DeleteResource(kSecretKind, it->first);
      it = secrets_.erase(it);
    } else {
      ++it;
    }
  }
}

SecretRecord* Secrets::ResolveLocked(const std::string& secret_id) {
  PurgeLocked();
  if (auto it = secrets_.find(secret_id); it != secrets_.end()) {
    return &it->second;
  }
  for (auto& [arn, secret] : secrets_) {
    // A partial ARN: the full one without "-" and the six random characters.
    if (secret.name == secret_id ||
        (secret_id.starts_with("arn:") && arn.size() == secret_id.size() + 7 &&
         arn.starts_with(secret_id) && arn[secret_id.size()] == '-')) {
      return &secret;
    }
  }
  return nullptr;
}

std::optional<ApiError> Secrets::FindLocked(const std::string& secret_id, bool deleted_ok,
                                            SecretRecord** found) {
  *found = ResolveLocked(secret_id);
  if (*found == nullptr) {
    return NotFound();
  }
  if (!deleted_ok && (*found)->deletion_ms != 0) {
    return InvalidRequestException(
        "You can't perform this operation on the secret because it was marked for deletion.");
  }
  return std::nullopt;
}

std::optional<ApiError> Secrets::AddVersionLocked(SecretRecord& secret, NewVersion version,
                                                  std::string* version_id) {
  const SecretValue& value = version.value;
  if (value.string && value.binary) {
    return InvalidParameterException(
        "You can't specify both a binary secret value and a string secret value in the same "
        "secret.");
  }
  if (version.token.empty()) {
    version.token = NewRequestId();
  } else if (version.token.size() < 32 || version.token.size() > 64) {
    return InvalidParameterException("ClientRequestToken must be 32 to 64 characters long.");
  }
  if (const SecretVersionRecord* existing = secret.Version(version.token)) {
    // The same call again: the same version, or a refusal when the value differs.
    const char* member = value.string ? "string" : "binary";
    const std::string& sealed = value.string ? existing->sealed_string : existing->sealed_binary;
    absl::StatusOr<std::string> stored =
        sealed.empty() ? absl::StatusOr<std::string>(absl::NotFoundError(""))
                       : keyring_.Open(sealed, ContextOf(secret, *existing, member));
    const std::string& given = value.string ? *value.string : *value.binary;
    if (!stored.ok() || *stored != given) {
      return ApiError{400, "ResourceExistsException",
                      "You can't modify an existing version, you can only create a new version."};
    }
    *version_id = existing->id;
    return std::nullopt;
  }
  for (const std::string& stage : version.stages) {
    if (stage.empty() || stage.size() > 256) {
      return InvalidParameterException("A staging label must be 1 to 256 characters long.");
    }
  }
  const int64_t now = common::UnixMillis();
  SecretVersionRecord& added = secret.versions.emplace_back();
  added.id = version.token;
  added.created_ms = now;
  if (value.string) {
    added.has_string = true;
    added.sealed_string = keyring_.Seal(*value.string, ContextOf(secret, added, "string"));
  } else {
    added.has_binary = true;
    added.sealed_binary = keyring_.Seal(*value.binary, ContextOf(secret, added, "binary"));
  }
  std::vector<std::string> stages =
      version.stages.empty() ? std::vector<std::string>{kStageCurrent} : version.stages;
  if (secret.VersionWithStage(kStageCurrent) == nullptr &&
      std::find(stages.begin(), stages.end(), kStageCurrent) == stages.end()) {
    stages.push_back(kStageCurrent);  // a secret's first version is always its current one
  }
  for (const std::string& stage : stages) {
    AttachStage(secret, secret.versions.back(), stage);
  }
  // Past 100 versions, the oldest without a label go.
  for (auto it = secret.versions.begin();
       secret.versions.size() > kMaxVersions && it != secret.versions.end();) {
    it = it->stages.empty() ? secret.versions.erase(it) : it + 1;
  }
  secret.changed_ms = now;
  *version_id = version.token;
  return std::nullopt;
}

std::optional<ApiError> Secrets::Change(
    const std::string& secret_id, bool deleted_ok, SecretRecord* secret,
    const std::function<std::optional<ApiError>(SecretRecord&)>& change) {
  std::lock_guard lock(mu_);
  SecretRecord* found = nullptr;
  if (std::optional<ApiError> error = FindLocked(secret_id, deleted_ok, &found)) {
    return error;
  }
  SecretRecord changed = *found;
  if (std::optional<ApiError> error = change(changed)) {
    return error;
  }
  if (absl::Status s = SaveLocked(changed); !s.ok()) {
    return ApiError{500, "InternalServiceError", std::string(s.message()), false};
  }
  *secret = *found = std::move(changed);
  return std::nullopt;
}

std::optional<ApiError> Secrets::Create(SecretRecord draft, NewVersion version,
                                        SecretRecord* created, std::string* version_id) {
  std::lock_guard lock(mu_);
  if (SecretRecord* existing = ResolveLocked(draft.name)) {
    if (existing->deletion_ms != 0) {
      return InvalidRequestException(
          "You can't create this secret because a secret with this name is already scheduled "
          "for deletion.");
    }
    // CreateSecret sent again (its token names the version it made, with the same value).
    if (!version.token.empty() && existing->Version(version.token) != nullptr &&
        (version.value.string || version.value.binary)) {
      if (std::optional<ApiError> error = AddVersionLocked(*existing, version, version_id)) {
        return error;
      }
      *created = *existing;
      return std::nullopt;
    }
    return ApiError{400, "ResourceExistsException",
                    "The operation failed because the secret " + draft.name + " already exists."};
  }
  draft.arn = "arn:aws:secretsmanager:" + region_ + ":" + account_ + ":secret:" + draft.name + "-" +
              RandomSuffix();
  draft.created_ms = draft.changed_ms = common::UnixMillis();
  version_id->clear();
  if (version.value.string || version.value.binary) {
    version.stages = {kStageCurrent};
    if (std::optional<ApiError> error = AddVersionLocked(draft, version, version_id)) {
      return error;
    }
  }
  if (absl::Status s = SaveLocked(draft); !s.ok()) {
    return ApiError{500, "InternalServiceError", std::string(s.message()), false};
  }
  *created = secrets_[draft.arn] = std::move(draft);
  return std::nullopt;
}

std::optional<ApiError> Secrets::AddVersion(const std::string& secret_id, NewVersion version,
                                            SecretRecord* secret, std::string* version_id) {
  if (!version.value.string && !version.value.binary) {
    return InvalidParameterException("You must provide either SecretString or SecretBinary.");
  }
  return Change(secret_id, false, secret, [&](SecretRecord& changed) {
    return AddVersionLocked(changed, std::move(version), version_id);
  });
}

std::optional<ApiError> Secrets::Update(const std::string& secret_id,
                                        const std::optional<std::string>& description,
                                        const std::optional<std::string>& kms_key_id,
                                        SecretRecord* secret) {
  return Change(secret_id, false, secret, [&](SecretRecord& changed) -> std::optional<ApiError> {
    changed.description = description.value_or(changed.description);
    changed.kms_key_id = kms_key_id.value_or(changed.kms_key_id);
    changed.changed_ms = common::UnixMillis();
    return std::nullopt;
  });
}

std::optional<ApiError> Secrets::GetValue(const std::string& secret_id,
                                          const std::optional<std::string>& version_id,
                                          const std::optional<std::string>& stage,
                                          SecretRecord* secret, SecretVersionRecord* version,
                                          SecretValue* value) {
  std::lock_guard lock(mu_);
  SecretRecord* found = nullptr;
  if (std::optional<ApiError> error = FindLocked(secret_id, false, &found)) {
    return error;
  }
  const SecretVersionRecord* chosen = nullptr;
  if (version_id) {
    chosen = found->Version(*version_id);
    if (chosen == nullptr) {
      return ApiError{
          400, "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for VersionId: " + *version_id};
    }
    if (stage && !HasStage(*chosen, *stage)) {
      return InvalidRequestException(
          "You provided a VersionStage that is not associated to the provided "
          "VersionId.");
    }
  } else {
    const std::string wanted = stage.value_or(kStageCurrent);
    chosen = found->VersionWithStage(wanted);
    if (chosen == nullptr) {
      return ApiError{
          400, "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for staging label: " + wanted};
    }
  }
  if (absl::Status s = Unseal(*found, *chosen, value); !s.ok()) {
    return ApiError{500, "InternalServiceError",
                    "The secret's value cannot be read: " + std::string(s.message()), false};
  }
  // Access dates are kept to the day, as the service shows them: one write a day at most.
  const int64_t today = common::UnixMillis() / kDayMs * kDayMs;
  if (found->accessed_ms != today || chosen->accessed_ms != today) {
    found->accessed_ms = today;
    found->versions[static_cast<size_t>(chosen - found->versions.data())].accessed_ms = today;
    (void)SaveLocked(*found);
  }
  *secret = *found;
  *version = *chosen;
  return std::nullopt;
}

std::optional<ApiError> Secrets::MoveStage(const std::string& secret_id, const std::string& stage,
                                           const std::optional<std::string>& remove_from,
                                           const std::optional<std::string>& move_to,
                                           SecretRecord* secret) {
  return Change(secret_id, false, secret, [&](SecretRecord& changed) -> std::optional<ApiError> {
    const SecretVersionRecord* holder = changed.VersionWithStage(stage);
    for (const std::optional<std::string>& id : {remove_from, move_to}) {
      if (id && changed.Version(*id) == nullptr) {
        return InvalidParameterException(
            "Secrets Manager can't find the specified secret version " + *id + ".");
      }
    }
    if (remove_from && (holder == nullptr || holder->id != *remove_from)) {
      return InvalidParameterException("The staging label " + stage +
                                       " is not attached to version " + *remove_from + ".");
    }
    if (move_to) {
      if (holder != nullptr && holder->id != *move_to && !remove_from) {
        return InvalidParameterException(
            "The parameter RemoveFromVersionId can't be empty. Staging label " + stage +
            " is currently attached to version " + holder->id +
            ", so you must explicitly reference that version in "
            "RemoveFromVersionId.");
      }
      for (SecretVersionRecord& version : changed.versions) {
        if (version.id == *move_to) {
          AttachStage(changed, version, stage);
        }
      }
    } else if (remove_from) {
      if (stage == kStageCurrent) {
        return InvalidParameterException(
            "You can't remove the staging label AWSCURRENT from a version without moving it to "
            "another version (MoveToVersionId).");
      }
      for (SecretVersionRecord& version : changed.versions) {
        if (version.id == *remove_from) {
          RemoveStage(version, stage);
        }
      }
    } else {
      return InvalidParameterException("Give MoveToVersionId, RemoveFromVersionId, or both.");
    }
    changed.changed_ms = common::UnixMillis();
    return std::nullopt;
  });
}

std::optional<ApiError> Secrets::Delete(const std::string& secret_id, int64_t recovery_days,
                                        bool force, SecretRecord* secret) {
  if (force) {
    std::lock_guard lock(mu_);
    SecretRecord* found = nullptr;
    if (std::optional<ApiError> error = FindLocked(secret_id, true, &found)) {
      return error;
    }
    found->deletion_ms = common::UnixMillis();
    *secret = *found;
    (void)store_.DeleteResource(kSecretKind, found->arn);
    secrets_.erase(secret->arn);
    return std::nullopt;
  }
  return Change(secret_id, true, secret, [&](SecretRecord& changed) -> std::optional<ApiError> {
    if (changed.deletion_ms != 0) {
      return InvalidRequestException("You can't delete secret " + changed.name +
                                     " because it's already scheduled for deletion.");
    }
    changed.deletion_ms = common::UnixMillis() + recovery_days * kDayMs;
    return std::nullopt;
  });
}

std::optional<ApiError> Secrets::Restore(const std::string& secret_id, SecretRecord* secret) {
  return Change(secret_id, true, secret, [](SecretRecord& changed) -> std::optional<ApiError> {
    changed.deletion_ms = 0;
    return std::nullopt;
  });
}

std::optional<ApiError> Secrets::Tag(const std::string& secret_id,
                                     const std::vector<TagRecord>& tags) {
  SecretRecord ignored;
  return Change(secret_id, false, &ignored, [&](SecretRecord& changed) -> std::optional<ApiError> {
    for (const TagRecord& tag : tags) {
      auto same = std::find_if(changed.tags.begin(), changed.tags.end(),
                               [&](const TagRecord& t) { return t.key == tag.key; });
      if (same != changed.tags.end()) {
        same->value = tag.value;
      } else {
        changed.tags.push_back(tag);
      }
    }
    if (changed.tags.size() > 50) {
      return InvalidParameterException("A secret can have at most 50 tags.");
    }
    return std::nullopt;
  });
}

std::optional<ApiError> Secrets::Untag(const std::string& secret_id,
                                       const std::vector<std::string>& keys) {
  SecretRecord ignored;
  return Change(secret_id, false, &ignored, [&](SecretRecord& changed) -> std::optional<ApiError> {
    std::erase_if(changed.tags, [&](const TagRecord& t) {
      return std::find(keys.begin(), keys.end(), t.key) != keys.end();
    });
    return std::nullopt;
  });
}

std::optional<SecretValue> Secrets::ValueOf(const std::string& secret_id,
                                            const std::string& version_id) {
  std::lock_guard lock(mu_);
  SecretRecord* found = ResolveLocked(secret_id);
  const SecretVersionRecord* version = found ? found->Version(version_id) : nullptr;
  if (version == nullptr) {
    return std::nullopt;
  }
  SecretValue value;
  if (!Unseal(*found, *version, &value).ok()) {
    return std::nullopt;
  }
  return value;
}

absl::Status Secrets::Unseal(const SecretRecord& secret, const SecretVersionRecord& version,
                             SecretValue* value) const {
  for (auto [sealed, member, out] :
       {std::tuple{&version.sealed_string, "string", &value->string},
        std::tuple{&version.sealed_binary, "binary", &value->binary}}) {
    if (sealed->empty()) {
      continue;
    }
    absl::StatusOr<std::string> plain = keyring_.Open(*sealed, ContextOf(secret, version, member));
    if (!plain.ok()) {
      return plain.status();
    }
    *out = std::move(*plain);
  }
  return absl::OkStatus();
}

std::optional<ApiError> Secrets::Describe(const std::string& secret_id, SecretRecord* secret) {
  std::lock_guard lock(mu_);
  SecretRecord* found = nullptr;
  if (std::optional<ApiError> error = FindLocked(secret_id, true, &found)) {
    return error;
  }
  *secret = *found;
  return std::nullopt;
}

std::vector<SecretRecord> Secrets::All(bool planned_deletion) {
  std::lock_guard lock(mu_);
  PurgeLocked();
  std::vector<SecretRecord> all;
  for (const auto& [arn, secret] : secrets_) {
    if (planned_deletion || secret.deletion_ms == 0) {
      all.push_back(secret);
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const SecretRecord& a, const SecretRecord& b) {
    return a.created_ms < b.created_ms;
  });
  return all;
}

}  // namespace redoubt::control
