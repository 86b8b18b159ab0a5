// The AWS JSON 1.1 protocol, for Secrets Manager: a POST whose X-Amz-Target header names the
// operation ("secretsmanager.GetSecretValue") and whose body is a JSON object of its members;
// the reply is the output object (Content-Type application/x-amz-json-1.1), and a refusal is
// {"__type": CODE, "message": TEXT} with the error's HTTP status, which botocore turns into the
// modelled exception by CODE.
//
// Thread: pure functions over the service given.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "control/query_protocol.h"

namespace redoubt::control {

// One operation: reads input, fills *output, or returns the error that refuses it.
using JsonOperation =
    std::function<std::optional<ApiError>(const nlohmann::json& input, nlohmann::json* output)>;

struct JsonService {
  std::string target_prefix;  // secretsmanager
  std::map<std::string, JsonOperation, std::less<>> operations;
};

// Answers a request with its X-Amz-Target header and body.
ApiReply AnswerJson(const JsonService& service, std::string_view target, std::string_view body,
                    const std::string& request_id);

// The protocol's error reply.
ApiReply JsonErrorReply(const ApiError& error);

}  // namespace redoubt::control
