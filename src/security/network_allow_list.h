// network-allow: the security-group-style list of source networks (IPv4 and IPv6 CIDRs) that
// may connect. Parsed once per CONFIG SET into an immutable value; the acceptor asks Allows()
// for every new connection before reading a byte from it. An empty list allows everyone.
//
// Thread: an immutable value; share it between threads freely.
#pragma once

#include <absl/status/statusor.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::security {

// One rule: an address family, the network address (host bits cleared) and the prefix length.
struct CidrRule {
  int family = AF_INET;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> network{};
  int prefix_bits = 0;

  // "10.0.0.0/8", "::1/128"; a bare address is a single host.
  std::string ToString() const;
  bool operator==(const CidrRule&) const = default;
};

class NetworkAllowList {
 public:
  NetworkAllowList() = default;

  // Space- or comma-separated CIDRs ("10.0.0.0/8 192.168.1.7 ::1/128"). The error names the
  // first rule that does not parse and why ("invalid CIDR '10.0.0.0/33': the prefix length
  // of an IPv4 network is 0 to 32"). A network written with host bits set (10.1.2.3/8) is
  // refused too: it almost always means a typo in the prefix.
  static absl::StatusOr<NetworkAllowList> Parse(std::string_view spec);

  // True when the list is empty or a rule covers the address. An IPv4-mapped IPv6 peer
  // (::ffff:10.1.2.3, what a dual-stack socket reports) is checked as the IPv4 address.
  bool Allows(const sockaddr* address) const;
  bool empty() const { return rules_.empty(); }
  const std::vector<CidrRule>& rules() const { return rules_; }
  // The canonical text (one space between rules), as CONFIG GET shows it.
  std::string ToString() const;

 private:
  std::vector<CidrRule> rules_;
};

}  // namespace redoubt::security
