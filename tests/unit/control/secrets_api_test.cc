// Tests of the JSON 1.1 protocol (X-Amz-Target routing, the {"__type","message"} error body,
// bodies that are not JSON objects, members of the wrong type) and of GetRandomPassword's
// rules: length, excluded classes and characters, one of each included type, spaces.
#include "control/secrets_api.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "control/random_password.h"

namespace redoubt::control {
namespace {

nlohmann::json Body(const ApiReply& reply) {
  return nlohmann::json::parse(reply.body);
}

TEST(JsonProtocolTest, RoutesByTargetAndAnswersErrorsAsJson) {
  const JsonService service = MakeSecretsManagerService(nullptr);
  ApiReply reply = AnswerJson(service, "secretsmanager.GetRandomPassword", "", "rid");
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  EXPECT_EQ(reply.content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(Body(reply)["RandomPassword"].get<std::string>().size(), 32u);
  auto code = [&](std::string_view target, std::string_view body) {
    const ApiReply r = AnswerJson(service, target, body, "rid");
    EXPECT_EQ(r.http_status, 400);
    return Body(r)["__type"].get<std::string>();
  };
  EXPECT_EQ(code("secretsmanager.NoSuchThing", "{}"), "UnknownOperationException");
  EXPECT_EQ(code("elasticache.GetRandomPassword", "{}"), "UnknownOperationException");
  EXPECT_EQ(code("", "{}"), "UnknownOperationException");
  EXPECT_EQ(code("secretsmanager.GetRandomPassword", "{not json"), "SerializationException");
  EXPECT_EQ(code("secretsmanager.GetRandomPassword", "[1,2]"), "SerializationException");
  EXPECT_EQ(code("secretsmanager.GetRandomPassword", R"({"PasswordLength":"long"})"),
            "InvalidParameterException");
  EXPECT_EQ(code("secretsmanager.GetRandomPassword", R"({"ExcludeNumbers":1})"),
            "InvalidParameterException");
  EXPECT_EQ(code("secretsmanager.GetRandomPassword", R"({"PasswordLength":0})"),
            "InvalidParameterException");
  EXPECT_EQ(code("secretsmanager.GetRandomPassword", R"({"PasswordLength":4097})"),
            "InvalidParameterException");
}

TEST(RandomPasswordTest, KeepsToTheRules) {
  PasswordRules rules;
  rules.length = 64;
  rules.exclude_punctuation = true;
  rules.exclude_characters = "aeiou0";
  for (int i = 0; i < 50; ++i) {
    const std::string p = *RandomPassword(rules);
    ASSERT_EQ(p.size(), 64u);
    bool lower = false, upper = false, digit = false;
    for (char c : p) {
      ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << p;
      ASSERT_EQ(rules.exclude_characters.find(c), std::string::npos) << p;
      lower |= std::islower(static_cast<unsigned char>(c)) != 0;
      upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
      digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
    }
    EXPECT_TRUE(lower && upper && digit) << p;  // one of each included type
  }
  // Every type required fits in exactly as many characters, in a random order.
  rules = PasswordRules{};
  rules.length = 5;
  rules.include_space = true;
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const std::string p = *RandomPassword(rules);
    EXPECT_NE(p.find(' '), std::string::npos) << p;
    seen.insert(p);
  }
  EXPECT_GT(seen.size(), 15u);  // not one fixed password
  rules.length = 4;
  EXPECT_FALSE(RandomPassword(rules).ok());  // five types in four characters
  rules.require_each_included_type = false;
  EXPECT_TRUE(RandomPassword(rules).ok());
  rules = PasswordRules{};
  rules.exclude_lowercase = rules.exclude_uppercase = rules.exclude_numbers =
      rules.exclude_punctuation = true;
  EXPECT_FALSE(RandomPassword(rules).ok());  // nothing to draw from
  rules.exclude_punctuation = false;
  rules.exclude_characters = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  EXPECT_FALSE(RandomPassword(rules).ok());  // excluded one by one
}

}  // namespace
}  // namespace redoubt::control
