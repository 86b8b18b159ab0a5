// The Secrets Manager operations the control plane answers (API version 2017-10-17, the JSON
// 1.1 protocol with X-Amz-Target secretsmanager.*): CreateSecret, GetSecretValue,
// PutSecretValue, UpdateSecret, DescribeSecret, ListSecrets, ListSecretVersionIds,
// UpdateSecretVersionStage, DeleteSecret, RestoreSecret, TagResource, UntagResource and
// GetRandomPassword. Rotation comes next (issue: secrets and rotation).
//
// Thread: the operations are called from the HTTP server's threads.
#pragma once

#include "control/json_protocol.h"
#include "control/secrets.h"

namespace redoubt::control {

// secrets: borrowed; null answers only GetRandomPassword.
JsonService MakeSecretsManagerService(Secrets* secrets);

}  // namespace redoubt::control
