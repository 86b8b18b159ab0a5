// Rotation of secrets bound to Redoubt users; see secret_rotation.h.
#include "control/secret_rotation.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/clock.h"
#include "common/numbers.h"
#include "control/random_password.h"

namespace redoubt::control {
namespace {

constexpr char kSingleUser[] = "redoubt-rotate-user";
constexpr char kAlternatingUsers[] = "redoubt-rotate-alternating-users";
constexpr int64_t kRetryMs = 5000;  // a failed step is tried again this much later
// Before finishSecret, a rotation whose step failed this many times in a row is abandoned
// (a deleted user, a missing partner): the secret keeps its version. From finishSecret on the
// clients have the new password, so the rotation goes on trying.
constexpr int kMaxAttempts = 12;
constexpr int64_t kTickMs = 250;
// A scheduled rotation given up waits this long at least before the next one.
constexpr int64_t kGiveUpBackoffMs = 5 * 60 * 1000;
// How long the fold of an abandoned rotation is tried (FoldAbandoned).
constexpr int64_t kFoldMs = 10 * 60 * 1000;
// From finishSecret on a rotation never gives up; its failed steps are tried again less and
// less often, up to this.
constexpr int64_t kMaxRetryMs = 5 * 60 * 1000;
// setSecret of an auth token waits for its group to be available; this long at most.
constexpr int64_t kBusyGroupMs = 10 * 60 * 1000;

constexpr char kCreate[] = "createSecret";
constexpr char kSet[] = "setSecret";
constexpr char kTest[] = "testSecret";
constexpr char kFinish[] = "finishSecret";
constexpr char kRetire[] = "retirePrevious";

// The rotator a Lambda ARN names ("" when none of ours).
std::string StrategyOf(const std::string& lambda_arn) {
  const size_t at = lambda_arn.rfind(":function:");
  if (!lambda_arn.starts_with("arn:aws:lambda:") || at == std::string::npos) {
    return "";
  }
  const std::string name = lambda_arn.substr(at + 10);
  return name == kSingleUser || name == kAlternatingUsers ? name : "";
}

// DescribeEvents source types of the rotation's events.
constexpr char kUserEvents[] = "user";
constexpr char kGroupEvents[] = "replication-group";

// The id in an ElastiCache ARN of the given resource type ("user", "replicationgroup"); "" when
// arn is not one.
std::string ResourceIdOf(const nlohmann::json& arn, const std::string& type) {
  if (!arn.is_string()) {
    return "";
  }
  const std::string text = arn.get<std::string>();
  const size_t at = text.rfind(":" + type + ":");
  return text.starts_with("arn:aws:elasticache:") && at != std::string::npos
             ? text.substr(at + type.size() + 2)
             : "";
}

// What a rotatable secret is bound to: a user, or a replication group's auth token.
struct Binding {
  std::string user_id;
  std::string group_id;
};

// A secret version's value as the JSON of a rotatable secret (bound to a user or to an auth
// token), or an error saying what is missing.
absl::StatusOr<nlohmann::json> BoundSecretJson(const std::optional<SecretValue>& value,
                                               Binding* binding) {
  if (!value || !value->string) {
    return absl::FailedPreconditionError("the secret has no string value");
  }
  nlohmann::json json = nlohmann::json::parse(*value->string, nullptr, false);
  if (json.is_object() && json.contains("password") && json["password"].is_string()) {
    binding->user_id = json.contains("user_arn") ? ResourceIdOf(json["user_arn"], "user") : "";
    binding->group_id = json.contains("replication_group_arn")
                            ? ResourceIdOf(json["replication_group_arn"], "replicationgroup")
                            : "";
    if (binding->user_id.empty() != binding->group_id.empty()) {
      return json;
    }
  }
  return absl::FailedPreconditionError(
      "the secret's value is not the JSON of a user secret ({\"username\", \"password\", "
      "\"user_arn\": \"arn:aws:elasticache:…:user:ID\"}) nor of an auth token ({\"password\", "
      "\"replication_group_arn\": \"arn:aws:elasticache:…:replicationgroup:ID\"})");
}

// The JSON of a version of secret (null: none, an error), with what it is bound to.
absl::StatusOr<nlohmann::json> VersionJson(Secrets& secrets, const SecretRecord& secret,
                                           const SecretVersionRecord* version, Binding* binding) {
  return BoundSecretJson(version ? secrets.ValueOf(secret.arn, version->id) : std::nullopt,
                         binding);
}

// The other user of an alternating pair: app ↔ app_clone.
std::string PartnerName(const std::string& name) {
  return name.ends_with("_clone") ? name.substr(0, name.size() - 6) : name + "_clone";
}

// A new password or auth token (ElastiCache takes both 16 to 128 printable characters without
// these).
std::string NewSecretPassword() {
  PasswordRules rules;
  rules.length = 32;
  rules.exclude_characters = "'\"/@ `\\";
  return RandomPassword(rules).value_or("");
}

}  // namespace

std::optional<ApiError> RotationInterval(const nlohmann::json& rules, int64_t* interval_ms) {
  if (!rules.is_object()) {
    return InvalidParameterException("RotationRules must be an object.");
  }
  if (rules.contains("AutomaticallyAfterDays") && rules.contains("ScheduleExpression")) {
    return InvalidParameterException(
        "RotationRules takes AutomaticallyAfterDays or ScheduleExpression, not "
        "both.");
  }
  if (rules.contains("AutomaticallyAfterDays")) {
    const nlohmann::json& days = rules["AutomaticallyAfterDays"];
    if (!days.is_number_integer() || days.get<int64_t>() < 1 || days.get<int64_t>() > 1000) {
      return InvalidParameterException("AutomaticallyAfterDays must be from 1 to 1000.");
    }
    *interval_ms = days.get<int64_t>() * 86400 * 1000;
    return std::nullopt;
  }
  if (!rules.contains("ScheduleExpression") || !rules["ScheduleExpression"].is_string()) {
    return InvalidParameterException(
        "RotationRules needs AutomaticallyAfterDays or ScheduleExpression.");
  }
  const std::string expression = rules["ScheduleExpression"].get<std::string>();
  const size_t space = expression.find(' ');
  if (!expression.starts_with("rate(") || !expression.ends_with(")") ||
      space == std::string::npos) {
    return InvalidParameterException(
        "ScheduleExpression must be rate(N unit) here (cron() is not taken).");
  }
  const std::optional<int64_t> count = common::ParseInt64(expression.substr(5, space - 5));
  std::string unit = expression.substr(space + 1, expression.size() - space - 2);
  if (unit.ends_with("s")) {
    unit.pop_back();
  }
  static const std::vector<std::pair<std::string, int64_t>> kUnits = {
      {"day", 86400 * 1000}, {"hour", 3600 * 1000}, {"minute", 60 * 1000}, {"second", 1000}};
  auto it = std::find_if(kUnits.begin(), kUnits.end(), [&](auto& u) { return u.first == unit; });
  if (!count || *count < 1 || it == kUnits.end() ||
      *count > int64_t{1000} * 86400 * 1000 / it->second) {
    return InvalidParameterException(
        "ScheduleExpression: rate(N days|hours|minutes|seconds), from 1 second "
        "to 1000 days.");
  }
  *interval_ms = *count * it->second;
  return std::nullopt;
}

SecretRotator::SecretRotator(Secrets& secrets, RotationHooks hooks, int64_t grace_ms)
    : secrets_(secrets), hooks_(std::move(hooks)), grace_ms_(grace_ms) {}

SecretRotator::~SecretRotator() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void SecretRotator::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SecretRotator::Wake() {
  wake_.notify_all();
}

std::optional<ApiError> SecretRotator::Rotate(const std::string& secret_id,
                                              const std::string& token,
                                              const std::optional<std::string>& lambda_arn,
                                              const std::optional<nlohmann::json>& rules,
                                              bool immediately, SecretRecord* secret,
                                              std::string* version_id) {
  int64_t interval_ms = 0;
  if (rules) {
    if (std::optional<ApiError> error = RotationInterval(*rules, &interval_ms)) {
      return error;
    }
  }
  if (lambda_arn && StrategyOf(*lambda_arn).empty()) {
    return InvalidRequestException(
        "RotationLambdaARN names no rotation function of this control plane: "
        "use arn:aws:lambda:REGION:ACCOUNT:function:" +
        std::string(kSingleUser) + " or …:function:" + kAlternatingUsers + ".");
  }
  // The secret must be one this control plane can rotate: a user secret of a known user.
  SecretRecord found;
  if (std::optional<ApiError> error = secrets_.Describe(secret_id, &found)) {
    return error;
  }
  Binding binding;
  absl::StatusOr<nlohmann::json> value =
      VersionJson(secrets_, found, found.VersionWithStage(kStageCurrent), &binding);
  if (!value.ok()) {
    return InvalidRequestException("This secret cannot be rotated: " +
                                   std::string(value.status().message()));
  }
  const bool alternating =
      StrategyOf(lambda_arn.value_or(found.rotation_lambda_arn)) == kAlternatingUsers;
  if (!binding.group_id.empty()) {
    std::optional<GroupRecord> group = hooks_.find_group(binding.group_id);
    if (!group) {
      return InvalidRequestException(
          "This secret cannot be rotated: its replication_group_arn names no replication group.");
    }
    if (group->auth_tokens.empty()) {
      return InvalidRequestException(
          "Replication group " + group->id + " has no auth token to rotate (it uses " +
          (group->user_group_ids.empty() ? "none" : "a user group") + ").");
    }
    if (alternating) {
      return InvalidRequestException(
          "An auth token is rotated by the single-user rotation (…:function:" +
          std::string(kSingleUser) + "); alternating users need users.");
    }
  } else {
    std::optional<UserRecord> user = hooks_.find_user(binding.user_id);
    if (!user) {
      return InvalidRequestException("This secret cannot be rotated: its user_arn names no user.");
    }
    if (alternating && !hooks_.find_partner(PartnerName(user->name), user->id)) {
      return InvalidRequestException("Alternating users need a user named " +
                                     PartnerName(user->name) + " in a user group of " + user->name +
                                     ".");
    }
  }
  if (!token.empty() && (token.size() < 32 || token.size() > 64)) {
    return InvalidParameterException("ClientRequestToken must be 32 to 64 characters long.");
  }
  if (const SecretVersionRecord* reused = found.Version(token);
      !token.empty() && reused != nullptr &&
      std::find(reused->stages.begin(), reused->stages.end(), kStagePending) ==
          reused->stages.end()) {
    return InvalidRequestException("ClientRequestToken names version " + token +
                                   ", which is not the pending version of a rotation.");
  }
  const std::string version = token.empty() ? NewRequestId() : token;
  std::optional<ApiError> error =
      secrets_.ChangeRotation(secret_id, secret, [&](SecretRecord& s) -> std::optional<ApiError> {
        if (!s.rotating_version.empty()) {
          return InvalidRequestException(
              "A previous rotation isn't complete. That rotation will be reattempted.");
        }
        const std::string arn = lambda_arn.value_or(s.rotation_lambda_arn);
        if (arn.empty()) {
          return InvalidRequestException(
              "No Lambda rotation function ARN is associated with this secret.");
        }
        if (rules) {
          s.rotation_rules_json = rules->dump();
          s.rotation_interval_ms = interval_ms;
        }
        s.rotation_enabled = true;
        s.rotation_lambda_arn = arn;
        const int64_t now = common::UnixMillis();
        s.next_rotation_ms = s.rotation_interval_ms ? now + s.rotation_interval_ms : 0;
        if (immediately) {
          s.rotating_version = version;
          s.rotation_step = kCreate;
          s.rotation_step_started_ms = now;
        }
        return std::nullopt;
      });
  if (error) {
    return error;
  }
  *version_id = immediately ? version : "";
  Wake();
  return std::nullopt;
}

std::optional<ApiError> SecretRotator::Cancel(const std::string& secret_id, SecretRecord* secret) {
  std::lock_guard step(step_mu_);
  std::string stopped_at;  // the step of a rotation under way, and its version
  std::string stopped_version;
  std::optional<ApiError> error =
      secrets_.ChangeRotation(secret_id, secret, [&](SecretRecord& s) -> std::optional<ApiError> {
        stopped_at = s.rotating_version.empty() ? "" : s.rotation_step;
        stopped_version = s.rotating_version;
        s.rotation_enabled = false;
        s.next_rotation_ms = 0;
        s.rotating_version.clear();
        s.rotation_step.clear();
        return std::nullopt;
      });
  if (!error && !stopped_at.empty()) {
    const EventSource source = SourceOf(*secret);
    hooks_.event(source.type, source.id,
                 "Rotation of secret " + secret->name + " cancelled at " + stopped_at);
    if (!FoldAbandoned(*secret, stopped_version)) {
      pending_folds_.push_back({secret->arn, stopped_version, common::UnixMillis() + kFoldMs});
    }
  }
  return error;
}

SecretRotator::EventSource SecretRotator::SourceOf(const SecretRecord& secret) const {
  Binding binding;
  if (!VersionJson(secrets_, secret, secret.VersionWithStage(kStageCurrent), &binding).ok()) {
    return {kUserEvents, ""};
  }
  return binding.group_id.empty() ? EventSource{kUserEvents, binding.user_id}
                                  : EventSource{kGroupEvents, binding.group_id};
}

void SecretRotator::Run() {
  std::map<std::string, int64_t> retry_at;  // by ARN: a failed step waits until then
  std::map<std::string, int> failures;      // by ARN: failed attempts of the rotation under way
  // By ARN: the version whose rotation has had its first event (started, or resumed).
  std::map<std::string, std::string> announced;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const int64_t now = common::UnixMillis();
    const std::vector<SecretRecord> secrets = secrets_.All(false);
    // What is kept about rotations no longer under way goes.
    const auto over = [&](const auto& entry) {
      return std::none_of(secrets.begin(), secrets.end(), [&](const SecretRecord& s) {
        return s.arn == entry.first && !s.rotating_version.empty();
      });
    };
    std::erase_if(retry_at, over);
    std::erase_if(failures, over);
    std::erase_if(announced, [&](const auto& entry) {
      return std::none_of(secrets.begin(), secrets.end(), [&](const SecretRecord& s) {
        return s.arn == entry.first && s.rotating_version == entry.second;
      });
    });
    {
      std::lock_guard step(step_mu_);
      std::erase_if(pending_folds_, [&](const PendingFold& fold) {
        SecretRecord secret;
        return now > fold.until_ms || secrets_.Describe(fold.arn, &secret).has_value() ||
               FoldAbandoned(secret, fold.version);
      });
    }
    for (const SecretRecord& listed : secrets) {
      if (listed.rotating_version.empty() &&
          !(listed.rotation_enabled && listed.next_rotation_ms != 0 &&
            now >= listed.next_rotation_ms)) {
        continue;  // nothing to do: not read again
      }
      std::lock_guard step(step_mu_);
      // Read again under the step lock: a Cancel may have come since the list was taken.
      SecretRecord secret;
      if (secrets_.Describe(listed.arn, &secret)) {
        continue;
      }
      if (secret.rotating_version.empty() && secret.rotation_enabled &&
          secret.next_rotation_ms != 0 && now >= secret.next_rotation_ms) {
        SecretRecord started;
        (void)secrets_.ChangeRotation(secret.arn, &started, [&](SecretRecord& s) {
          if (s.rotating_version.empty() && s.rotation_enabled) {  // not cancelled meanwhile
            s.rotating_version = NewRequestId();
            s.rotation_step = kCreate;
            s.rotation_step_started_ms = now;
          }
          return std::optional<ApiError>();
        });
        continue;  // its first step at the next tick
      }
      if (secret.rotating_version.empty() ||
          (retry_at.contains(secret.arn) && now < retry_at[secret.arn])) {
        continue;
      }
      const EventSource source = SourceOf(secret);
      if (std::string& seen = announced[secret.arn]; seen != secret.rotating_version) {
        seen = secret.rotating_version;
        // A rotation this thread has not run yet: just started, or left by a previous process.
        hooks_.event(source.type, source.id,
                     "Rotation of secret " + secret.name +
                         (secret.rotation_step == kCreate &&
                                  secret.Version(secret.rotating_version) == nullptr
                              ? " started"
                              : " resumed at " + secret.rotation_step) +
                         " (version " + secret.rotating_version + ")");
      }
      std::string next;
      std::string note;
      const absl::Status s = RunStep(secret, &next, &note);
      if (!s.ok()) {
        const bool finishing = secret.rotation_step == kFinish || secret.rotation_step == kRetire;
        const int failed = ++failures[secret.arn];
        const bool give_up = failed >= kMaxAttempts && !finishing;
        // Every 5 s before finishSecret (12 tries); after it, 5 s doubling up to 5 minutes.
        const int64_t delay =
            finishing ? std::min(kRetryMs << std::min(failed - 1, 10), kMaxRetryMs) : kRetryMs;
        retry_at[secret.arn] = now + delay;
        hooks_.event(source.type, source.id,
                     "Rotation of secret " + secret.name + " failed at " + secret.rotation_step +
                         ": " + std::string(s.message()) +
                         (give_up ? " (given up: the secret keeps its current version)"
                                  : " (tried again in " + std::to_string(delay / 1000) + " s)"));
        SecretRecord after;
        (void)secrets_.ChangeRotation(secret.arn, &after, [&](SecretRecord& r) {
          if (r.rotating_version != secret.rotating_version) {
            return std::optional<ApiError>();
          }
          if (give_up) {
            // Before finishSecret the clients' secret has not changed (a password or token
            // added beside theirs is taken back: FoldAbandoned): the pending version loses its
            // label, and the next rotation starts afresh.
            for (SecretVersionRecord& version : r.versions) {
              std::erase(version.stages, kStagePending);
            }
            r.rotating_version.clear();
            r.rotation_step.clear();
            // A schedule tries again later, not at the next look.
            if (r.rotation_enabled && r.rotation_interval_ms != 0) {
              r.next_rotation_ms = now + std::max(r.rotation_interval_ms, kGiveUpBackoffMs);
            }
          } else if (secret.rotation_step == kTest) {
            r.rotation_step = kSet;  // a node may have missed the push: push again, then test
          }
          return std::optional<ApiError>();
        });
        if (give_up) {
          failures.erase(secret.arn);
          if (!FoldAbandoned(secret, secret.rotating_version)) {
            pending_folds_.push_back({secret.arn, secret.rotating_version, now + kFoldMs});
          }
        }
        continue;
      }
      // A setSecret that succeeds after a failed testSecret keeps the count: a test that keeps
      // failing ends the rotation instead of cycling between the two forever.
      if (secret.rotation_step != kSet) {
        failures.erase(secret.arn);
      }
      if (next == secret.rotation_step) {
        continue;  // waiting (retirePrevious)
      }
      SecretRecord after;
      (void)secrets_.ChangeRotation(secret.arn, &after, [&](SecretRecord& r) {
        if (r.rotating_version == secret.rotating_version) {
          r.rotation_step = next;
          r.rotation_step_started_ms = now;
          if (secret.rotation_step == kFinish) {
            r.last_rotated_ms = now;
            r.next_rotation_ms =
                r.rotation_enabled && r.rotation_interval_ms ? now + r.rotation_interval_ms : 0;
          }
          if (next.empty()) {
            r.rotating_version.clear();
          }
        }
        return std::optional<ApiError>();
      });
      hooks_.event(source.type, source.id,
                   "Rotation of secret " + secret.name + ": " + secret.rotation_step + " done" +
                       (note.empty() ? "" : " (" + note + ")"));
      if (next.empty()) {
        hooks_.event(source.type, source.id,
                     "Rotation of secret " + secret.name + " finished: version " +
                         secret.rotating_version + " is AWSCURRENT");
      }
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(kTickMs));
  }
}

namespace {
// The password of a version of secret, or "" when it has none.
std::string PasswordOf(Secrets& secrets, const SecretRecord& secret,
                       const SecretVersionRecord* version) {
  Binding binding;
  absl::StatusOr<nlohmann::json> json = VersionJson(secrets, secret, version, &binding);
  return json.ok() ? (*json)["password"].get<std::string>() : "";
}

// retirePrevious when the user or group it would remove the password of is gone: the rotation
// ends, with nothing left to remove; any other step fails.
absl::Status GoneFrom(const std::string& step, const std::string& what, std::string* next_step,
                      std::string* note) {
  if (step != kRetire) {
    return absl::NotFoundError(what + " no longer exists");
  }
  *note = what + " no longer exists: nothing to remove";
  next_step->clear();
  return absl::OkStatus();
}
}  // namespace

absl::Status SecretRotator::RunStep(const SecretRecord& secret, std::string* next_step,
                                    std::string* note) {
  const std::string strategy = StrategyOf(secret.rotation_lambda_arn);
  const std::string& token = secret.rotating_version;
  const SecretVersionRecord* current = secret.VersionWithStage(kStageCurrent);
  const SecretVersionRecord* pending = secret.Version(token);
  Binding binding;
  absl::StatusOr<nlohmann::json> current_json = VersionJson(secrets_, secret, current, &binding);
  if (!current_json.ok()) {
    return current_json.status();
  }
  const std::string& step = secret.rotation_step;
  if (step == kCreate) {
    if (pending == nullptr) {
      nlohmann::json next = *current_json;
      if (!binding.group_id.empty()) {
        if (!hooks_.find_group(binding.group_id)) {
          return absl::NotFoundError("the secret's replication group no longer exists");
        }
      } else {
        std::optional<UserRecord> user = hooks_.find_user(binding.user_id);
        if (!user) {
          return absl::NotFoundError("the secret's user no longer exists");
        }
        if (strategy == kAlternatingUsers) {
          const std::string other = PartnerName(user->name);
          std::optional<UserRecord> partner = hooks_.find_partner(other, user->id);
          if (!partner) {
            return absl::NotFoundError("no user named " + other + " shares a user group with " +
                                       user->name + " (alternating users need both)");
          }
          std::string arn = (*current_json)["user_arn"].get<std::string>();
          next["user_arn"] = arn.substr(0, arn.rfind(":user:") + 6) + partner->id;
          next["username"] = partner->name;
        }
      }
      next["password"] = NewSecretPassword();
      SecretRecord added;
      std::string version_id;
      if (std::optional<ApiError> error =
              secrets_.AddVersion(secret.arn, {token, {next.dump(), std::nullopt}, {kStagePending}},
                                  &added, &version_id)) {
        return absl::InternalError(error->message);
      }
    }
    *next_step = kSet;
    return absl::OkStatus();
  }
  Binding pending_binding;
  absl::StatusOr<nlohmann::json> pending_json =
      VersionJson(secrets_, secret, pending, &pending_binding);
  if (!pending_json.ok()) {
    return pending_json.status();
  }
  const std::string new_password = (*pending_json)["password"].get<std::string>();
  if (step == kFinish) {
    SecretRecord moved;
    if (current != nullptr && current->id != token) {
      if (std::optional<ApiError> error =
              secrets_.MoveStage(secret.arn, kStageCurrent, current->id, token, &moved)) {
        return absl::InternalError(error->message);
      }
    }
    (void)secrets_.MoveStage(secret.arn, kStagePending, token, std::nullopt, &moved);
    *next_step = strategy == kSingleUser ? kRetire : "";
    return absl::OkStatus();
  }
  if (!pending_binding.group_id.empty()) {
    return RunTokenStep(secret, pending_binding.group_id,
                        (*current_json)["password"].get<std::string>(), new_password, next_step,
                        note);
  }
  const std::string& target_id = pending_binding.user_id;
  std::optional<UserRecord> target = hooks_.find_user(target_id);
  if (!target) {
    return GoneFrom(step, "user " + target_id, next_step, note);
  }
  if (step == kSet) {
    {  // always: a push a node missed before is made again (the call is idempotent)
      std::vector<std::string> passwords = {new_password};
      if (strategy == kSingleUser) {
        // Both valid until the clients have moved on (retirePrevious).
        passwords.insert(passwords.begin(), (*current_json)["password"].get<std::string>());
      }
      if (std::optional<ApiError> error = hooks_.set_passwords(target_id, passwords)) {
        return absl::FailedPreconditionError(error->message);
      }
    }
    *next_step = kTest;
    return absl::OkStatus();
  }
  if (step == kTest) {
    if (absl::Status s = hooks_.test_password(*target, new_password); !s.ok()) {
      return s;
    }
    *next_step = kFinish;
    return absl::OkStatus();
  }
  if (step == kRetire) {
    std::string why;
    if (!MayRemovePrevious(secret, hooks_.older_password_use(*target), "password", &why)) {
      *next_step = kRetire;  // wait
      return absl::OkStatus();
    }
    if (std::optional<ApiError> error = hooks_.set_passwords(target_id, {new_password})) {
      return absl::FailedPreconditionError(error->message);
    }
    *note = why;
    next_step->clear();
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError("unknown rotation step " + step);
}

bool SecretRotator::MayRemovePrevious(const SecretRecord& secret,
                                      const absl::StatusOr<OlderPasswordUse>& use,
                                      const std::string& what, std::string* why) const {
  const bool grace_over = common::UnixMillis() - secret.rotation_step_started_ms >= grace_ms_;
  const std::string grace = "the previous " + what + " removed: the grace period (" +
                            std::to_string(grace_ms_ / 1000) + " s) passed";
  if (!use.ok()) {
    *why = grace + " (INFO auth unreadable: " + std::string(use.status().message()) + ")";
    return grace_over;
  }
  // Used in the second AWSCURRENT moved or later: a client still has it cached, and may come
  // back with it (per-request connections, a pool between two).
  const bool used_since = use->last_used_unix >= secret.rotation_step_started_ms / 1000;
  if (use->connections == 0 && !used_since) {
    *why = "the previous " + what + " removed: no connection still used it";
    return true;
  }
  *why = use->connections > 0
             ? grace + " with " + std::to_string(use->connections) +
                   " connections still authenticated with it"
             : grace + " with the " + what + " still in use after AWSCURRENT moved";
  return grace_over;
}

bool SecretRotator::FoldAbandoned(const SecretRecord& secret, const std::string& version) {
  if (StrategyOf(secret.rotation_lambda_arn) != kSingleUser) {
    return true;  // alternating: the other user's password is no client's
  }
  Binding binding;
  const absl::StatusOr<nlohmann::json> pending =
      VersionJson(secrets_, secret, secret.Version(version), &binding);
  const std::string current_password =
      PasswordOf(secrets_, secret, secret.VersionWithStage(kStageCurrent));
  if (!pending.ok() || current_password.empty()) {
    return true;
  }
  const std::string abandoned = (*pending)["password"].get<std::string>();
  const auto both = [&](const std::vector<std::string>& held) {
    return abandoned != current_password &&
           std::find(held.begin(), held.end(), abandoned) != held.end() &&
           std::find(held.begin(), held.end(), current_password) != held.end();
  };
  const std::string message = "Rotation of secret " + secret.name + " abandoned: ";
  if (!binding.group_id.empty()) {
    std::optional<GroupRecord> group = hooks_.find_group(binding.group_id);
    if (!group || !both(group->auth_tokens)) {
      return true;
    }
    if (group->status != kStatusAvailable) {
      return false;
    }
    std::optional<ApiError> error =
        hooks_.change_auth_token(binding.group_id, "SET", current_password);
    if (error && error->code == "InvalidReplicationGroupState") {
      return false;
    }
    hooks_.event(
        kGroupEvents, binding.group_id,
        message + (error ? "its token stays valid beside the current one (" + error->message + ")"
                         : "the group goes back to the current version's token alone"));
    return true;
  }
  std::optional<UserRecord> user = hooks_.find_user(binding.user_id);
  if (!user || !both(user->passwords)) {
    return true;
  }
  if (std::optional<ApiError> error = hooks_.set_passwords(user->id, {current_password})) {
    return false;
  }
  hooks_.event(kUserEvents, user->id,
               message + "the user goes back to the current version's password alone");
  return true;
}

absl::Status SecretRotator::RunTokenStep(const SecretRecord& secret, const std::string& group_id,
                                         const std::string& current_token,
                                         const std::string& new_token, std::string* next_step,
                                         std::string* note) {
  const std::string& step = secret.rotation_step;
  std::optional<GroupRecord> group = hooks_.find_group(group_id);
  if (!group) {
    return GoneFrom(step, "replication group " + group_id, next_step, note);
  }
  const bool available = group->status == kStatusAvailable;
  const std::vector<std::string>& tokens = group->auth_tokens;
  const auto holds = [&](const std::string& token) {
    return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
  };
  // Starts ModifyReplicationGroup: true when started, false when the group is busy with
  // another change (waited for).
  const auto change_token = [&](const std::string& strategy,
                                const std::string& token) -> absl::StatusOr<bool> {
    std::optional<ApiError> error = hooks_.change_auth_token(group_id, strategy, token);
    if (error && error->code != "InvalidReplicationGroupState") {
      return absl::FailedPreconditionError(error->message);
    }
    return !error;
  };
  if (step == kSet) {
    *next_step = kSet;  // until the group is available with the new token
    if (!available) {
      if (common::UnixMillis() - secret.rotation_step_started_ms > kBusyGroupMs) {
        return absl::FailedPreconditionError("replication group " + group_id + " has been " +
                                             group->status + " for more than 10 minutes");
      }
      return absl::OkStatus();
    }
    if (holds(new_token)) {
      // Applied (or a node failed half-way): every node gets the tokens again, then the test.
      if (absl::Status s = hooks_.repush_auth_tokens(group_id); !s.ok()) {
        return s;
      }
      *next_step = kTest;
      return absl::OkStatus();
    }
    if (tokens.empty()) {
      return absl::FailedPreconditionError("replication group " + group_id +
                                           " no longer has an auth token");
    }
    if (tokens.size() > 1) {
      // The current token beside one of an earlier rotation of this secret that was given up:
      // back to the current one alone first. Anyone else's rotation must be finished first.
      const bool leftover =
          holds(current_token) && std::all_of(tokens.begin(), tokens.end(), [&](auto& t) {
            return t == current_token ||
                   std::any_of(secret.versions.begin(), secret.versions.end(),
                               [&](auto& v) { return PasswordOf(secrets_, secret, &v) == t; });
          });
      if (!leftover) {
        return absl::FailedPreconditionError(
            "a rotation of replication group " + group_id +
            "'s auth token is under way (two tokens valid): finish it with "
            "AuthTokenUpdateStrategy SET first");
      }
      return change_token("SET", current_token).status();
    }
    return change_token("ROTATE", new_token).status();
  }
  if (step == kTest) {
    if (absl::Status s = hooks_.test_auth_token(group_id, new_token); !s.ok()) {
      return s;
    }
    *next_step = kFinish;
    return absl::OkStatus();
  }
  if (step == kRetire) {
    *next_step = kRetire;  // until the group is available with the new token alone
    if (!holds(new_token)) {
      // Deleted, set by hand or replaced by a user group meanwhile: the token is no longer this
      // rotation's to remove.
      *note = "the group's auth token was changed meanwhile: nothing to remove";
      next_step->clear();
      return absl::OkStatus();
    }
    if (!available) {
      return absl::OkStatus();
    }
    if (tokens.size() == 1) {
      // SET applied. Every node gets the token again: a SET that stopped at a node that failed
      // left the nodes after it with the old one as well.
      if (absl::Status s = hooks_.repush_auth_tokens(group_id); !s.ok()) {
        return s;
      }
      *note = "only the new auth token is valid";
      next_step->clear();
      return absl::OkStatus();
    }
    std::string why;
    if (!MayRemovePrevious(secret, hooks_.older_token_use(group_id), "auth token", &why)) {
      return absl::OkStatus();
    }
    absl::StatusOr<bool> started = change_token("SET", new_token);
    if (started.ok() && *started) {
      hooks_.event(
          kGroupEvents, group_id,
          "Rotation of secret " + secret.name + ": " + why + " (AuthTokenUpdateStrategy SET)");
    }
    return started.status();
  }
  return absl::FailedPreconditionError("unknown rotation step " + step);
}

}  // namespace redoubt::control
