// The AWS JSON 1.1 protocol; see json_protocol.h.
#include "control/json_protocol.h"

namespace redoubt::control {

ApiReply JsonErrorReply(const ApiError& error) {
  const nlohmann::json body = {{"__type", error.code}, {"message", error.message}};
  return {error.http_status, "application/x-amz-json-1.1", body.dump()};
}

ApiReply AnswerJson(const JsonService& service, std::string_view target, std::string_view body,
                    const std::string& request_id) {
  (void)request_id;  // the HTTP layer sends it as x-amzn-RequestId
  const std::string prefix = service.target_prefix + ".";
  if (target.substr(0, prefix.size()) != prefix) {
    return JsonErrorReply(
        {400, "UnknownOperationException",
         "The X-Amz-Target header must name a " + service.target_prefix + " operation."});
  }
  auto operation = service.operations.find(target.substr(prefix.size()));
  if (operation == service.operations.end()) {
    return JsonErrorReply(
        {400, "UnknownOperationException",
         "The operation " + std::string(target.substr(prefix.size())) + " is not known."});
  }
  nlohmann::json input = nlohmann::json::object();
  if (!body.empty()) {
    input = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (input.is_discarded() || !input.is_object()) {
      return JsonErrorReply(
          {400, "SerializationException", "The request body is not a JSON object."});
    }
  }
  nlohmann::json output = nlohmann::json::object();
  try {
    if (std::optional<ApiError> error = operation->second(input, &output)) {
      return JsonErrorReply(*error);
    }
  } catch (const nlohmann::json::exception&) {
    // A member of the wrong JSON type (a number where a string goes): what botocore's own
    // validation would have refused.
    return JsonErrorReply(
        {400, "InvalidParameterException", "A parameter has the wrong type for its member."});
  }
  return {200, "application/x-amz-json-1.1", output.dump()};
}

}  // namespace redoubt::control
