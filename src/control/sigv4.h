// AWS Signature Version 4, checked on the control plane's side: every request to the endpoint
// is signed by awscli or boto3 with an access key from the control plane's credentials file,
// and the server recomputes the signature from the request it received (method, path, query,
// the headers the client says it signed, and the body's SHA-256) and the key's secret.
//
// The steps are AWS's (docs.aws.amazon.com, "Create a signed AWS API request"): a canonical
// request, a string to sign over its hash and the credential scope (date/region/service/
// aws4_request), a signing key derived by four HMAC-SHA256 steps from "AWS4" + secret, and the
// hex HMAC of the string to sign. OpenSSL does the hashing; the canonical forms are here.
//
// Thread: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::control {

// A request as received: header names lowercase (HTTP's are case-insensitive), values as sent.
struct HttpRequestView {
  std::string method;
  std::string path;   // "/" for the query and JSON protocols
  std::string query;  // the raw query string, without '?'
  std::multimap<std::string, std::string> headers;
  std::string_view body;
};

// The Authorization header's parts: AWS4-HMAC-SHA256 Credential=AKID/20261206/us-east-1/
// elasticache/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=<hex>.
struct Sigv4Authorization {
  std::string access_key;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

// Why a request is refused, as the query protocol names it (aws_errors.h turns it into the
// service's envelope).
struct Sigv4Failure {
  int http_status;
  std::string code;  // MissingAuthenticationToken, IncompleteSignature, …
  std::string message;
};

// The outcome of checking a request: the authorization (and so the service the request is
// for) when the signature holds, else why not.
struct Sigv4Result {
  std::optional<Sigv4Authorization> authorization;
  std::optional<Sigv4Failure> failure;
};

// Parses the Authorization header; nullopt when it is not a well-formed SigV4 one.
std::optional<Sigv4Authorization> ParseAuthorization(std::string_view header);

// The hex signature of request for this authorization's scope, signed at amz_date
// (YYYYMMDDTHHMMSSZ) with secret. What a client computes, and what Verify compares with.
std::string Sign(const HttpRequestView& request, const Sigv4Authorization& scope,
                 std::string_view amz_date, std::string_view secret);

// Checks request: a well-formed SigV4 Authorization, a known access key (secret_of returns its
// secret, nullopt for an unknown one), X-Amz-Date within max_skew_seconds of now_unix, the
// scope's date matching it, and the signature.
Sigv4Result Verify(const HttpRequestView& request,
                   const std::function<std::optional<std::string>(std::string_view)>& secret_of,
                   int64_t now_unix, int64_t max_skew_seconds = 300);

// Lowercase hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// YYYYMMDDTHHMMSSZ of a Unix time, and back (nullopt when malformed).
std::string AmzDate(int64_t unix_seconds);
std::optional<int64_t> ParseAmzDate(std::string_view amz_date);

}  // namespace redoubt::control
