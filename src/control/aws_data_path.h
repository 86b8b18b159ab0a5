// The folder that AWS_DATA_PATH names, so that Debian's awscli 2.9 and boto3 1.26 reach the
// control plane with no --endpoint-url or endpoint_url in code (both ignore AWS_ENDPOINT_URL):
// for each service the control plane speaks, links to the service model awscli ships (whose
// ElastiCache model has TransitEncryptionMode, which Debian's python3-botocore lacks) and an
// endpoint rule set whose one rule is the control plane's own address (an explicit endpoint
// still wins). botocore looks each file up along AWS_DATA_PATH first, file by file. The
// waiters are a copy that polls every second (awscli's wait 15 s between polls of a change this
// control plane makes in seconds), with the same total time.
//
// Thread: called once at start-up.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace redoubt::control {

// Where Debian's awscli keeps its models.
inline constexpr char kAwscliModels[] = "/usr/lib/python3/dist-packages/awscli/botocore/data";

// Writes (again) dir/<service>/<version>/…: links into models_dir for every model file found
// there (the waiters copied, with one-second polls), and endpoint-rule-set-1.json naming
// endpoint_url. Missing models are skipped (then the clients' own are used, with the rule set
// still sending them here).
absl::Status WriteAwsDataPath(const std::string& dir, const std::string& endpoint_url,
                              const std::string& models_dir = kAwscliModels);

}  // namespace redoubt::control
