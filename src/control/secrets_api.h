// The Secrets Manager operations the control plane answers (API version 2017-10-17, the JSON
// 1.1 protocol with X-Amz-Target secretsmanager.*): CreateSecret, GetSecretValue,
// PutSecretValue, UpdateSecret, DescribeSecret, ListSecrets, ListSecretVersionIds,
// UpdateSecretVersionStage, DeleteSecret, RestoreSecret, TagResource, UntagResource,
// RotateSecret, CancelRotateSecret and GetRandomPassword.
//
// Thread: the operations are called from the HTTP server's threads.
#pragma once

#include "control/json_protocol.h"
#include "control/secret_rotation.h"
#include "control/secrets.h"

namespace redoubt::control {

// secrets, rotator: borrowed; without secrets only GetRandomPassword, without rotator no
// RotateSecret or CancelRotateSecret.
JsonService MakeSecretsManagerService(Secrets* secrets, SecretRotator* rotator = nullptr);

}  // namespace redoubt::control
