// network-allow: parsing with errors that name the rule, and matching of IPv4, IPv6 and
// IPv4-mapped IPv6 peers at prefix boundaries.
#include "security/network_allow_list.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace redoubt::security {
namespace {

// A peer address as accept4 would report it.
sockaddr_storage Peer(const char* text) {
  sockaddr_storage ss{};
  auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, &in6->sin6_addr), 1) << text;
    in6->sin6_family = AF_INET6;
  }
  return ss;
}

bool Allows(const NetworkAllowList& list, const char* peer) {
  sockaddr_storage ss = Peer(peer);
  return list.Allows(reinterpret_cast<const sockaddr*>(&ss));
}

TEST(NetworkAllowListTest, EmptyAllowsEveryone) {
  auto list = NetworkAllowList::Parse("  ");

  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_TRUE(Allows(*list, "203.0.113.9"));
  EXPECT_TRUE(Allows(*list, "2001:db8::1"));
}

TEST(NetworkAllowListTest, MatchesAtPrefixBoundaries) {
  auto list = NetworkAllowList::Parse("10.0.0.0/8, 127.0.0.1 192.168.4.0/22 2001:db8::/33");

  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->ToString(), "10.0.0.0/8 127.0.0.1/32 192.168.4.0/22 2001:db8::/33");
  EXPECT_TRUE(Allows(*list, "10.255.255.255"));
  EXPECT_FALSE(Allows(*list, "11.0.0.0"));
  EXPECT_TRUE(Allows(*list, "127.0.0.1"));
  EXPECT_FALSE(Allows(*list, "127.0.0.2"));
  EXPECT_TRUE(Allows(*list, "192.168.7.255"));
  EXPECT_FALSE(Allows(*list, "192.168.8.0"));
  EXPECT_TRUE(Allows(*list, "2001:db8:7fff::1"));
  EXPECT_FALSE(Allows(*list, "2001:db8:8000::1"));
  EXPECT_FALSE(Allows(*list, "::1"));
}

TEST(NetworkAllowListTest, MappedIpv6PeerIsCheckedAsIpv4) {
  auto list = NetworkAllowList::Parse("127.0.0.0/8");

  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(Allows(*list, "::ffff:127.0.0.5"));
  EXPECT_FALSE(Allows(*list, "::ffff:10.0.0.5"));
}

TEST(NetworkAllowListTest, ZeroPrefixCoversAFamily) {
  auto list = NetworkAllowList::Parse("0.0.0.0/0");

  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(Allows(*list, "198.51.100.1"));
  EXPECT_FALSE(Allows(*list, "::1"));
}

TEST(NetworkAllowListTest, BadRulesAreNamed) {
  struct Case {
    const char* spec;
    const char* words;
  } cases[] = {
      {"10.0.0.0/33", "'10.0.0.0/33': the prefix length of an IPv4 network is 0 to 32"},
      {"::/129", "'::/129': the prefix length of an IPv6 network is 0 to 128"},
      {"10.0.0.0/8 300.1.1.1", "'300.1.1.1': not an IPv4 or IPv6 address"},
      {"10.0.0.0/", "'10.0.0.0/': the prefix length is missing"},
      {"10.0.0.0/8x", "'10.0.0.0/8x': the prefix length is not a number"},
      {"10.1.2.3/8", "'10.1.2.3/8': host bits are set"},
      {"example.com", "'example.com': not an IPv4 or IPv6 address"},
  };
  for (const Case& c : cases) {
    auto list = NetworkAllowList::Parse(c.spec);
    ASSERT_FALSE(list.ok()) << c.spec;
    EXPECT_NE(list.status().message().find(c.words), std::string_view::npos)
        << c.spec << " -> " << list.status();
  }
}

TEST(NetworkAllowListTest, UnixSocketPeersAreNotAllowedByANonEmptyList) {
  auto list = NetworkAllowList::Parse("127.0.0.1");
  sockaddr_storage ss{};
  ss.ss_family = AF_UNIX;

  ASSERT_TRUE(list.ok());
  EXPECT_FALSE(list->Allows(reinterpret_cast<const sockaddr*>(&ss)));
}

}  // namespace
}  // namespace redoubt::security
