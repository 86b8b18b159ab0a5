// The Secrets Manager operations the control plane answers (API version 2017-10-17, the JSON
// 1.1 protocol with X-Amz-Target secretsmanager.*). So far GetRandomPassword; the secrets
// themselves, their encryption at rest and their rotation come next (issue: secrets and
// rotation).
//
// Thread: the operations are called from the HTTP server's threads.
#pragma once

#include "control/json_protocol.h"

namespace redoubt::control {

JsonService MakeSecretsManagerService();

}  // namespace redoubt::control
