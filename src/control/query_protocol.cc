// The Query protocol's envelope; see query_protocol.h.
#include "control/query_protocol.h"

#include <openssl/rand.h>

#include <cstdio>

namespace redoubt::control {

std::string NewRequestId() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // variant 1
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

ApiReply QueryErrorReply(const ApiError& error, const QueryService& service,
                         const std::string& request_id) {
  if (service.dialect == QueryDialect::kEc2) {
    XmlWriter xml("Response", "");
    xml.Open("Errors");
    xml.Open("Error");
    xml.Leaf("Code", error.code);
    xml.Leaf("Message", error.message);
    xml.Close();
    xml.Close();
    xml.Leaf("RequestID", request_id);
    return {error.http_status, "text/xml", xml.Finish()};
  }
  XmlWriter xml("ErrorResponse", service.xml_namespace);
  xml.Open("Error");
  xml.Leaf("Type", error.sender ? "Sender" : "Receiver");
  xml.Leaf("Code", error.code);
  xml.Leaf("Message", error.message);
  xml.Close();
  xml.Leaf("RequestId", request_id);
  return {error.http_status, "text/xml", xml.Finish()};
}

ApiReply AnswerQuery(const QueryService& service, std::string_view body,
                     const std::string& request_id) {
  auto refuse = [&](int status, std::string code, std::string message) {
    return QueryErrorReply({status, std::move(code), std::move(message)}, service, request_id);
  };
  std::optional<FormParams> params = FormParams::Parse(body);
  if (!params) {
    return refuse(400, "MalformedQueryString", "The request body is not a well-formed form.");
  }
  const std::optional<std::string> action = params->Get("Action");
  if (!action || action->empty()) {
    return refuse(400, "MissingAction", "The request must contain the parameter Action.");
  }
  auto operation = service.operations.find(*action);
  if (operation == service.operations.end()) {
    return refuse(400, "InvalidAction",
                  "The action " + *action + " is not valid for this web service.");
  }
  const std::optional<std::string> version = params->Get("Version");
  if (!version) {
    return refuse(400, "MissingParameter", "The request must contain the parameter Version.");
  }
  if (*version != service.version) {
    return refuse(
        400, "InvalidParameterValue",
        "The API version " + *version + " is not supported; use " + service.version + ".");
  }
  XmlWriter xml(*action + "Response", service.xml_namespace);
  if (service.dialect == QueryDialect::kEc2) {
    xml.Leaf("requestId", request_id);
    if (std::optional<ApiError> error = operation->second(*params, xml)) {
      return QueryErrorReply(*error, service, request_id);
    }
    return {200, "text/xml", xml.Finish()};
  }
  xml.Open(*action + "Result");
  if (std::optional<ApiError> error = operation->second(*params, xml)) {
    return QueryErrorReply(*error, service, request_id);
  }
  xml.Close();
  xml.Open("ResponseMetadata");
  xml.Leaf("RequestId", request_id);
  xml.Close();
  return {200, "text/xml", xml.Finish()};
}

}  // namespace redoubt::control
