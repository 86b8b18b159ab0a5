// SigV4 checks; see sigv4.h.
#include "control/sigv4.h"

#include <absl/strings/ascii.h>
#include <absl/strings/escaping.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/ascii.h"
#include "control/form_body.h"
#include "control/iso_time.h"

namespace redoubt::control {
namespace {

constexpr char kAmzDateFormat[] = "%Y%m%dT%H%M%SZ";

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Hex(const unsigned char* bytes, size_t n) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), n));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// A header value as SigV4 canonicalizes it: trimmed, inner runs of spaces made one.
std::string CanonicalValue(std::string_view value) {
  std::string out(value);
  absl::RemoveExtraAsciiWhitespace(&out);
  return out;
}

// RFC 3986 percent-encoding, as SigV4 wants it: unreserved characters as they are, every other
// byte as %XX in upper case.
std::string UriEncode(std::string_view s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xF]);
    }
  }
  return out;
}

// The query string's parameters sorted by name (then value), each name and value encoded.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view part : common::Split(query, '&', /*skip_empty=*/true)) {
    const size_t eq = part.find('=');
    // Decoded first, so that a client's own encoding choices do not matter; a malformed escape
    // is kept as sent (the signature then simply does not match).
    auto canonical = [](std::string_view raw) {
      return UriEncode(PercentDecode(raw, false).value_or(std::string(raw)));
    };
    params.emplace_back(canonical(part.substr(0, eq)),
                        eq == std::string_view::npos ? "" : canonical(part.substr(eq + 1)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += name + "=" + value;
  }
  return out;
}

std::string HeaderValues(const HttpRequestView& request, const std::string& name) {
  std::string joined;
  auto [first, last] = request.headers.equal_range(name);
  for (auto it = first; it != last; ++it) {
    if (!joined.empty()) {
      joined.push_back(',');
    }
    joined += CanonicalValue(it->second);
  }
  return joined;
}

std::string HeaderValue(const HttpRequestView& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string() : it->second;
}

Sigv4Result Refuse(int status, std::string code, std::string message) {
  return {std::nullopt, Sigv4Failure{status, std::move(code), std::move(message)}};
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return Hex(out, len);
}

std::string AmzDate(int64_t unix_seconds) {
  return FormatUtc(unix_seconds, kAmzDateFormat);
}

std::optional<int64_t> ParseAmzDate(std::string_view amz_date) {
  return ParseUtc(amz_date, kAmzDateFormat);
}

std::optional<Sigv4Authorization> ParseAuthorization(std::string_view header) {
  header = common::StripWhitespace(header);
  if (!header.starts_with(kAlgorithm) || header.size() == kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return std::nullopt;
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  for (std::string_view part : common::Split(header.substr(kAlgorithm.size() + 1), ',')) {
    part = common::StripWhitespace(part);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view name = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (name == "Credential") {
      credential = value;
    } else if (name == "SignedHeaders") {
      signed_headers = value;
    } else if (name == "Signature") {
      signature = value;
    }
  }
  if (!credential || !signed_headers || !signature) {
    return std::nullopt;
  }
  // AKID/date/region/service/aws4_request
  const std::vector<std::string_view> scope = common::Split(*credential, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty() || scope[1].size() != 8 ||
      scope[2].empty() || scope[3].empty()) {
    return std::nullopt;
  }
  Sigv4Authorization auth{std::string(scope[0]),
                          std::string(scope[1]),
                          std::string(scope[2]),
                          std::string(scope[3]),
                          {},
                          std::string(*signature)};
  for (std::string_view name : common::Split(*signed_headers, ';')) {
    auth.signed_headers.emplace_back(name);
  }
  return auth;
}

std::string Sign(const HttpRequestView& request, const Sigv4Authorization& scope,
                 std::string_view amz_date, std::string_view secret) {
  std::string canonical = request.method + "\n" + (request.path.empty() ? "/" : request.path) +
                          "\n" + CanonicalQuery(request.query) + "\n";
  std::string signed_list;
  for (const std::string& name : scope.signed_headers) {
    canonical += name + ":" + HeaderValues(request, name) + "\n";
    signed_list += (signed_list.empty() ? "" : ";") + name;
  }
  const std::string payload_hash = request.headers.count("x-amz-content-sha256") > 0
                                       ? HeaderValue(request, "x-amz-content-sha256")
                                       : Sha256Hex(request.body);
  canonical += "\n" + signed_list + "\n" + payload_hash;
  const std::string credential_scope =
      scope.date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  const std::string to_sign = std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" +
                              credential_scope + "\n" + Sha256Hex(canonical);
  std::string key = HmacSha256("AWS4" + std::string(secret), scope.date);
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  key = HmacSha256(key, "aws4_request");
  const std::string mac = HmacSha256(key, to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

Sigv4Result Verify(const HttpRequestView& request,
                   const std::function<std::optional<std::string>(std::string_view)>& secret_of,
                   int64_t now_unix, int64_t max_skew_seconds) {
  const std::string header = HeaderValue(request, "authorization");
  if (header.empty()) {
    return Refuse(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  }
  std::optional<Sigv4Authorization> auth = ParseAuthorization(header);
  if (!auth) {
    return Refuse(400, "IncompleteSignature",
                  "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                  "parameters, in the AWS4-HMAC-SHA256 form.");
  }
  const auto& names = auth->signed_headers;
  const bool signs_date = std::find(names.begin(), names.end(), "x-amz-date") != names.end();
  if (std::find(names.begin(), names.end(), "host") == names.end() || !signs_date) {
    return Refuse(400, "IncompleteSignature",
                  "The request must sign the 'host' and 'x-amz-date' headers.");
  }
  const std::string amz_date = HeaderValue(request, "x-amz-date");
  const std::optional<int64_t> signed_at = ParseAmzDate(amz_date);
  if (!signed_at) {
    return Refuse(400, "IncompleteSignature", "The X-Amz-Date header is missing or malformed.");
  }
  const std::optional<std::string> secret = secret_of(auth->access_key);
  if (!secret) {
    return Refuse(403, "InvalidClientTokenId",
                  "The security token included in the request is invalid.");
  }
  if (amz_date.substr(0, 8) != auth->date) {
    return Refuse(403, "SignatureDoesNotMatch",
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                  "date from HTTP: '" +
                      auth->date + "' != '" + amz_date.substr(0, 8) + "'");
  }
  if (*signed_at < now_unix - max_skew_seconds) {
    return Refuse(403, "SignatureDoesNotMatch",
                  "Signature expired: " + amz_date + " is now earlier than " +
                      AmzDate(now_unix - max_skew_seconds) + " (" + AmzDate(now_unix) + " - " +
                      std::to_string(max_skew_seconds / 60) + " min.)");
  }
  if (*signed_at > now_unix + max_skew_seconds) {
    return Refuse(403, "SignatureDoesNotMatch",
                  "Signature not yet current: " + amz_date + " is still later than " +
                      AmzDate(now_unix + max_skew_seconds) + " (" + AmzDate(now_unix) + " + " +
                      std::to_string(max_skew_seconds / 60) + " min.)");
  }
  const std::string expected = Sign(request, *auth, amz_date, *secret);
  if (expected.size() != auth->signature.size() ||
      CRYPTO_memcmp(expected.data(), auth->signature.data(), expected.size()) != 0) {
    return Refuse(403, "SignatureDoesNotMatch",
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult the "
                  "service documentation for details.");
  }
  return {std::move(auth), std::nullopt};
}

}  // namespace redoubt::control
