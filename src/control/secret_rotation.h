// Scheduled rotation of secrets bound to Redoubt users or to a replication group's auth token,
// in Secrets Manager's four steps, run by the control plane itself instead of a Lambda
// function: the secret's RotationLambdaARN names one of its rotators,
//   arn:aws:lambda:REGION:ACCOUNT:function:redoubt-rotate-user             (single user, or
//                                                                            an auth token)
//   arn:aws:lambda:REGION:ACCOUNT:function:redoubt-rotate-alternating-users
// and its value is the JSON of Secrets Manager's database secrets plus what it is bound to:
//   {"username", "password", "user_arn": "arn:aws:elasticache:…:user:ID", ...}
//   {"password", "replication_group_arn": "arn:aws:elasticache:…:replicationgroup:ID", ...}
//
//   createSecret  a new password (and, alternating, the other user of the pair: app ↔
//                 app_clone) in a version labelled AWSPENDING;
//   setSecret     single user: the user gets the new password beside the old one (both valid);
//                 alternating: the other user gets the new password; auth token:
//                 ModifyReplicationGroup with AuthTokenUpdateStrategy ROTATE (both valid), and
//                 the step waits until the group is available again;
//   testSecret    the new credentials authenticate on every node of every replication group
//                 whose user group has the user (of the group, for a token);
//   finishSecret  AWSCURRENT moves to the new version (AWSPREVIOUS to the old one);
//   retirePrevious (single user, auth token) the old password is removed once INFO auth shows
//                 no connection still authenticated with it on any node and no use of it
//                 since AWSCURRENT moved, or once the grace period has passed, whichever comes
//                 first; the event says which. For a token
//                 the removal is ModifyReplicationGroup with SET, waited for.
// The step reached is stored with the secret, so a rotation interrupted by a restart resumes
// where it stopped; every step is safe to run again. A failed step is tried again 5 s later,
// with an event saying why; one that fails 12 times before finishSecret abandons the rotation
// (the secret keeps its version). A group busy with another modification is waited for, not
// counted as a failure.
//
// Schedules: RotationRules' AutomaticallyAfterDays, or ScheduleExpression rate(N unit) with
// unit days or hours (as the service), or minutes and seconds (ours, for tests and demos).
//
// Thread: one thread runs every rotation; Rotate and Cancel may be called from any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "control/group_model.h"
#include "control/query_protocol.h"
#include "control/secrets.h"
#include "control/users.h"

namespace redoubt::control {

// What the rotation needs of the users, the groups and the nodes.
struct RotationHooks {
  std::function<std::optional<UserRecord>(const std::string& user_id)> find_user;
  // The user named `name` that shares a user group with user_id (an alternating pair's other).
  std::function<std::optional<UserRecord>(const std::string& name, const std::string& user_id)>
      find_partner;
  // ModifyUser with these passwords, on every node before it returns.
  std::function<std::optional<ApiError>(const std::string& user_id,
                                        const std::vector<std::string>& passwords)>
      set_passwords;
  // OK when user authenticates with password on every running node that has it.
  std::function<absl::Status(const UserRecord& user, const std::string& password)> test_password;
  // How the passwords of user other than its newest are still used, over every node (INFO
  // auth's credential rows).
  std::function<absl::StatusOr<OlderPasswordUse>(const UserRecord& user)> older_password_use;

  std::function<std::optional<GroupRecord>(const std::string& group_id)> find_group;
  // ModifyReplicationGroup AuthToken=token AuthTokenUpdateStrategy=strategy (ROTATE or SET)
  // ApplyImmediately: starts the change (the group is modifying until it is applied).
  std::function<std::optional<ApiError>(const std::string& group_id, const std::string& strategy,
                                        const std::string& token)>
      change_auth_token;
  // Sends the group's auth tokens to its running nodes again (what a node missed).
  std::function<absl::Status(const std::string& group_id)> repush_auth_tokens;
  // The auth token's counterparts of test_password and older_password_use.
  std::function<absl::Status(const std::string& group_id, const std::string& token)>
      test_auth_token;
  std::function<absl::StatusOr<OlderPasswordUse>(const std::string& group_id)> older_token_use;

  // An event (DescribeEvents) about a user (source type "user") or a replication group
  // ("replication-group").
  std::function<void(const std::string& source_type, const std::string& source_id,
                     const std::string& message)>
      event;
};

// RotationRules as given ({"AutomaticallyAfterDays": N} or {"ScheduleExpression": "rate(…)"})
// → the interval; InvalidParameterException otherwise.
std::optional<ApiError> RotationInterval(const nlohmann::json& rules, int64_t* interval_ms);

class SecretRotator {
 public:
  // grace_ms: how long a replaced password of a single-user rotation stays valid at most.
  SecretRotator(Secrets& secrets, RotationHooks hooks, int64_t grace_ms);
  ~SecretRotator();
  SecretRotator(const SecretRotator&) = delete;
  SecretRotator& operator=(const SecretRotator&) = delete;

  void Start();

  // RotateSecret. lambda_arn and rules: nullopt keeps the secret's. *version_id: the version a
  // rotation started now makes (empty when not immediately).
  std::optional<ApiError> Rotate(const std::string& secret_id, const std::string& token,
                                 const std::optional<std::string>& lambda_arn,
                                 const std::optional<nlohmann::json>& rules, bool immediately,
                                 SecretRecord* secret, std::string* version_id);
  // CancelRotateSecret: no more scheduled rotations; one under way stops where it is.
  std::optional<ApiError> Cancel(const std::string& secret_id, SecretRecord* secret);

 private:
  void Run();
  // What a step's events are about: the user of the current version, or the group.
  struct EventSource {
    std::string type;
    std::string id;
  };
  // The user or group of secret's current version ({"user", ""} when it names none).
  EventSource SourceOf(const SecretRecord& secret) const;
  // The step secret.rotation_step of its rotation under way: the step after it in *next_step
  // (the same one while it waits, empty when the rotation is over), what the event should add
  // in *note.
  absl::Status RunStep(const SecretRecord& secret, std::string* next_step, std::string* note);
  // The steps setSecret, testSecret and retirePrevious for a secret bound to group_id's auth
  // token (current_token: AWSCURRENT's; new_token: the rotation's).
  absl::Status RunTokenStep(const SecretRecord& secret, const std::string& group_id,
                            const std::string& current_token, const std::string& new_token,
                            std::string* next_step, std::string* note);
  // Whether retirePrevious may remove the previous password (what: "password", "auth token")
  // now, given how it is still used: when no connection holds it and nobody used it since
  // AWSCURRENT moved (the step began), or when the grace period has passed (*why says which).
  // While the grace period runs, a use that cannot be read is waited on.
  bool MayRemovePrevious(const SecretRecord& secret, const absl::StatusOr<OlderPasswordUse>& use,
                         const std::string& what, std::string* why) const;
  // A single-user or auth-token rotation given up or cancelled after setSecret: the user or
  // the group goes back to the current version's password alone, so that no password
  // outlives the secret's versions. False while that cannot be done yet (a group busy with
  // another change): the rotator tries again at its next look.
  bool FoldAbandoned(const SecretRecord& secret, const std::string& version);
  void Wake();

  Secrets& secrets_;
  const RotationHooks hooks_;
  const int64_t grace_ms_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  // Held while a step runs (and its outcome is stored) and while Cancel stops a rotation: a
  // cancel never lands between a step's side effects and its record.
  std::mutex step_mu_;
  // Folds (FoldAbandoned) still to do, tried at each look for 10 minutes; under step_mu_.
  struct PendingFold {
    std::string arn;
    std::string version;  // the abandoned one
    int64_t until_ms;
  };
  std::vector<PendingFold> pending_folds_;
  std::thread thread_;
};

}  // namespace redoubt::control
