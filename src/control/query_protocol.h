// The AWS Query protocol's envelope, for ElastiCache and EC2's variant: an operation
// named by the form's Action answers <{Action}Response xmlns=…><{Action}Result>…</…>
// <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>, and a refusal answers
// <ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>
// <RequestId>…</RequestId></ErrorResponse> with the error's HTTP status. botocore picks the
// exception class by <Code>, which is the model's wire code (ReplicationGroupAlreadyExists),
// not always the exception's name (ReplicationGroupAlreadyExistsFault).
//
// Thread: pure functions over the service given.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "control/form_body.h"
#include "control/xml_writer.h"

namespace redoubt::control {

// An error as AWS returns it.
struct ApiError {
  int http_status = 400;
  std::string code;
  std::string message;
  bool sender = true;  // <Type>Sender</Type>, else Receiver (the service's own failure)
};

// What the HTTP layer sends.
struct ApiReply {
  int http_status = 200;
  std::string content_type;
  std::string body;
};

// One operation: writes the members of its result into the open <{Action}Result> element, or
// returns the error that refuses it (then nothing it wrote is sent).
using QueryOperation = std::function<std::optional<ApiError>(const FormParams&, XmlWriter&)>;

// The two envelopes of the protocol. kQuery (ElastiCache, Secrets Manager's IAM kin): members
// inside <{Action}Result>, <ResponseMetadata><RequestId>, errors in <ErrorResponse>. kEc2:
// members straight inside <{Action}Response> after <requestId>, errors as
// <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
enum class QueryDialect { kQuery, kEc2 };

struct QueryService {
  QueryDialect dialect = QueryDialect::kQuery;
  std::string xml_namespace;  // http://elasticache.amazonaws.com/doc/2015-02-02/
  std::string version;        // 2015-02-02
  std::map<std::string, QueryOperation, std::less<>> operations;
};

// Answers a form-encoded request body for service.
ApiReply AnswerQuery(const QueryService& service, std::string_view body,
                     const std::string& request_id);

// The error envelope of service's dialect.
ApiReply QueryErrorReply(const ApiError& error, const QueryService& service,
                         const std::string& request_id);

// A random request id in the UUID form AWS uses.
std::string NewRequestId();

}  // namespace redoubt::control
