// Password hashes: SHA-256 as Redis stores ACL passwords, hex round trips, and equality.
#include "security/password_hash.h"

#include <gtest/gtest.h>

#include <cctype>

namespace redoubt::security {
namespace {

TEST(PasswordHashTest, Sha256OfKnownInput) {
  // echo -n foobar | sha256sum; also what Redis shows for ">foobar" in ACL GETUSER.
  EXPECT_EQ(ToHex(HashPassword("foobar")),
            "c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2");
}

TEST(PasswordHashTest, HexParsesEitherCaseAndRefusesOthers) {
  PasswordHash h = HashPassword("secret");
  std::string hex = ToHex(h);
  std::string upper = hex;
  for (char& c : upper) {
    c = static_cast<char>(toupper(c));
  }

  EXPECT_EQ(ParsePasswordHash(hex), h);
  EXPECT_EQ(ParsePasswordHash(upper), h);
  EXPECT_FALSE(ParsePasswordHash(hex.substr(1)).has_value());
  EXPECT_FALSE(ParsePasswordHash(hex + "0").has_value());
  EXPECT_FALSE(ParsePasswordHash(std::string(64, 'g')).has_value());
  std::string last_digit_bad = hex;
  last_digit_bad.back() = 'x';
  EXPECT_FALSE(ParsePasswordHash(last_digit_bad).has_value());
}

TEST(PasswordHashTest, ConstantTimeEqualsComparesWholeHashes) {
  PasswordHash a = HashPassword("one");
  PasswordHash b = a;
  b[31] ^= 1;

  EXPECT_TRUE(ConstantTimeEquals(a, HashPassword("one")));
  EXPECT_FALSE(ConstantTimeEquals(a, b));
  EXPECT_FALSE(ConstantTimeEquals(a, HashPassword("two")));
}

}  // namespace
}  // namespace redoubt::security
