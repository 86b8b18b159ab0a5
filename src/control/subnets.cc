// The VPC's subnets; see subnets.h.
#include "control/subnets.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

namespace redoubt::control {

std::string Ipv4Text(uint32_t address) {
  in_addr a{htonl(address)};
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

std::vector<Subnet> SubnetsOf(uint32_t first, uint32_t last) {
  std::vector<Subnet> subnets;
  if (first > last) {
    return subnets;
  }
  // A range within one /24 is one subnet of its own size; a larger one, a subnet per /24.
  int prefix = 24;
  if ((first & 0xFFFFFF00u) == (last & 0xFFFFFF00u)) {
    while (prefix < 32 && ((first - 1) >> (32 - prefix - 1)) == ((last + 1) >> (32 - prefix - 1))) {
      ++prefix;
    }
  }
  const uint32_t size = prefix >= 32 ? 1 : uint32_t{1} << (32 - prefix);
  for (uint64_t net = first & ~(size - 1); net <= last; net += size) {
    Subnet subnet;
    char id[20];
    std::snprintf(id, sizeof id, "subnet-%08x", static_cast<uint32_t>(net));
    subnet.id = id;
    subnet.cidr = Ipv4Text(static_cast<uint32_t>(net)) + "/" + std::to_string(prefix);
    // Neither the block's network address nor its broadcast one, as in a VPC.
    subnet.first = std::max<uint32_t>(first, static_cast<uint32_t>(net + 1));
    subnet.last = std::min<uint32_t>(last, static_cast<uint32_t>(net + size - 2));
    if (subnet.first > subnet.last) {
      continue;  // only the block's network or broadcast address was in the range
    }
    subnets.push_back(std::move(subnet));
  }
  return subnets;
}

}  // namespace redoubt::control
