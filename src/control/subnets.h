// The subnets of this control plane's one VPC: the node address range (--node-addresses) cut
// into /24 blocks (or the range itself when it is smaller), each an EC2 subnet whose id is
// made from its network address (127.77.3.0/24 → subnet-7f4d0300). EC2's DescribeSubnets lists
// them; a cache subnet group names some of them, and the nodes of a replication group that
// uses it take their addresses from those blocks only.
//
// Thread: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace redoubt::control {

struct Subnet {
  std::string id;      // subnet-7f4d0300
  std::string cidr;    // 127.77.3.0/24
  uint32_t first = 0;  // the node addresses it holds (host byte order, inclusive)
  uint32_t last = 0;
};

// The subnets of the address range [first, last].
std::vector<Subnet> SubnetsOf(uint32_t first, uint32_t last);

// The dotted form of a host-order IPv4 address.
std::string Ipv4Text(uint32_t address);

}  // namespace redoubt::control
