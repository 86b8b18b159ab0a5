// Tests of the control plane's SigV4 check: signatures equal to AWS's published get-vanilla
// vector and to botocore's SigV4Auth for a form POST, and each way a request is refused
// (missing, malformed, unknown key, wrong secret, expired, not yet valid, date mismatch,
// tampered body or header).
#include "control/sigv4.h"

#include <gtest/gtest.h>

namespace redoubt::control {
namespace {

constexpr char kKey[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kDate[] = "20150830T123600Z";
constexpr int64_t kSignedAt = 1440938160;  // 2015-08-30T12:36:00Z

HttpRequestView FormPost(std::string_view body) {
  HttpRequestView r{"POST", "/", "", {}, body};
  r.headers.emplace("host", "example.amazonaws.com");
  r.headers.emplace("content-type", "application/x-www-form-urlencoded; charset=utf-8");
  r.headers.emplace("x-amz-date", kDate);
  return r;
}

std::optional<std::string> SecretOf(std::string_view key) {
  if (key == kKey) {
    return std::string(kSecret);
  }
  return std::nullopt;
}

Sigv4Authorization Scope(std::vector<std::string> signed_headers) {
  return {kKey, "20150830", "us-east-1", "service", std::move(signed_headers), ""};
}

void Authorize(HttpRequestView& r, const std::string& signature,
               const std::string& signed_headers = "content-type;host;x-amz-date") {
  r.headers.emplace("authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                    "aws4_request, SignedHeaders=" +
                        signed_headers + ", Signature=" + signature);
}

TEST(Sigv4Test, SignsAsAwsPublishedVectorAndBotocore) {
  HttpRequestView get{"GET", "/", "", {}, ""};
  get.headers.emplace("host", "example.amazonaws.com");
  get.headers.emplace("x-amz-date", kDate);
  EXPECT_EQ(Sign(get, Scope({"host", "x-amz-date"}), kDate, kSecret),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  // botocore.auth.SigV4Auth over the same POST (botocore 1.29).
  EXPECT_EQ(Sign(FormPost("Param1=value1"), Scope({"content-type", "host", "x-amz-date"}), kDate,
                 kSecret),
            "2f3b42f35f135abf9c562afcbbc44fc03df96dcfd4332ecebad8b39a7d4b6125");
}

TEST(Sigv4Test, AcceptsAGoodSignatureAndNamesTheService) {
  HttpRequestView r = FormPost("Param1=value1");
  Authorize(r, "2f3b42f35f135abf9c562afcbbc44fc03df96dcfd4332ecebad8b39a7d4b6125");
  const Sigv4Result result = Verify(r, SecretOf, kSignedAt + 60);
  ASSERT_TRUE(result.authorization) << result.failure->message;
  EXPECT_EQ(result.authorization->service, "service");
  EXPECT_EQ(result.authorization->region, "us-east-1");
}

TEST(Sigv4Test, RefusesEachBadRequestWithAwsCode) {
  const std::string good = "2f3b42f35f135abf9c562afcbbc44fc03df96dcfd4332ecebad8b39a7d4b6125";
  auto code = [](const HttpRequestView& r, int64_t now = kSignedAt) {
    const Sigv4Result result = Verify(r, SecretOf, now);
    return result.failure ? result.failure->code : std::string("accepted");
  };
  HttpRequestView unsigned_request = FormPost("Param1=value1");
  EXPECT_EQ(code(unsigned_request), "MissingAuthenticationToken");

  HttpRequestView malformed = FormPost("Param1=value1");
  malformed.headers.emplace("authorization", "AWS4-HMAC-SHA256 Signature=abc");
  EXPECT_EQ(code(malformed), "IncompleteSignature");

  HttpRequestView no_date_signed = FormPost("Param1=value1");
  Authorize(no_date_signed, good, "content-type;host");
  EXPECT_EQ(code(no_date_signed), "IncompleteSignature");

  HttpRequestView unknown_key = FormPost("Param1=value1");
  unknown_key.headers.emplace("authorization",
                              "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/service/"
                              "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
                              "Signature=" +
                                  good);
  EXPECT_EQ(code(unknown_key), "InvalidClientTokenId");

  HttpRequestView tampered_body = FormPost("Param1=value2");
  Authorize(tampered_body, good);
  EXPECT_EQ(code(tampered_body), "SignatureDoesNotMatch");

  HttpRequestView tampered_host = FormPost("Param1=value1");
  tampered_host.headers.find("host")->second = "other.example.com";
  Authorize(tampered_host, good);
  EXPECT_EQ(code(tampered_host), "SignatureDoesNotMatch");

  HttpRequestView good_request = FormPost("Param1=value1");
  Authorize(good_request, good);
  EXPECT_EQ(code(good_request, kSignedAt + 299), "accepted");
  EXPECT_EQ(code(good_request, kSignedAt + 301), "SignatureDoesNotMatch");  // expired
  EXPECT_EQ(code(good_request, kSignedAt - 301), "SignatureDoesNotMatch");  // not yet current
  const Sigv4Result expired = Verify(good_request, SecretOf, kSignedAt + 301);
  EXPECT_NE(expired.failure->message.find("Signature expired: 20150830T123600Z"),
            std::string::npos);

  HttpRequestView other_day = FormPost("Param1=value1");
  other_day.headers.find("x-amz-date")->second = "20150831T123600Z";
  Authorize(other_day, good);
  EXPECT_EQ(code(other_day, kSignedAt + 86400), "SignatureDoesNotMatch");
}

TEST(Sigv4Test, AmzDatesRoundTripAndMalformedOnesAreRefused) {
  EXPECT_EQ(AmzDate(kSignedAt), kDate);
  EXPECT_EQ(ParseAmzDate(kDate), kSignedAt);
  EXPECT_FALSE(ParseAmzDate("2015-08-30T12:36:00Z"));
  EXPECT_FALSE(ParseAmzDate("20151330T123600Z"));
  EXPECT_FALSE(ParseAmzDate("20150230T123600Z"));  // 30 February, which timegm would roll over
  EXPECT_FALSE(ParseAmzDate("20150830T123600Z "));
  EXPECT_FALSE(ParseAmzDate(""));
}

}  // namespace
}  // namespace redoubt::control
