// network-allow parsing and matching; see network_allow_list.h.
#include "security/network_allow_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace redoubt::security {
namespace {

absl::Status Invalid(std::string_view rule, std::string_view why) {
  return absl::InvalidArgumentError("invalid CIDR '" + std::string(rule) +
                                    "': " + std::string(why));
}

absl::StatusOr<CidrRule> ParseRule(std::string_view text) {
  CidrRule rule;
  size_t slash = text.find('/');
  std::string address(text.substr(0, slash));
  if (inet_pton(AF_INET, address.c_str(), rule.network.data()) == 1) {
    rule.family = AF_INET;
  } else if (inet_pton(AF_INET6, address.c_str(), rule.network.data()) == 1) {
    rule.family = AF_INET6;
  } else {
    return Invalid(text, "not an IPv4 or IPv6 address");
  }
  const int max_bits = rule.family == AF_INET ? 32 : 128;
  rule.prefix_bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    int bits = 0;
    if (digits.empty() || digits.size() > 3) {
      return Invalid(text, "the prefix length is missing or not a number");
    }
    for (char c : digits) {
      if (c < '0' || c > '9') {
        return Invalid(text, "the prefix length is not a number");
      }
      bits = bits * 10 + (c - '0');
    }
    if (bits > max_bits) {
      return Invalid(text, rule.family == AF_INET
                               ? "the prefix length of an IPv4 network is 0 to 32"
                               : "the prefix length of an IPv6 network is 0 to 128");
    }
    rule.prefix_bits = bits;
  }
  // Host bits must be clear: "10.1.2.3/8" is far more often a mistyped prefix than intended.
  const int bytes = max_bits / 8;
  for (int i = 0; i < bytes; ++i) {
    int keep = std::clamp(rule.prefix_bits - i * 8, 0, 8);
    uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    if ((rule.network[i] & ~mask) != 0) {
      return Invalid(text, "host bits are set; did you mean a different prefix length?");
    }
  }
  return rule;
}

bool Covers(const CidrRule& rule, const uint8_t* address) {
  int full = rule.prefix_bits / 8;
  if (std::memcmp(rule.network.data(), address, static_cast<size_t>(full)) != 0) {
    return false;
  }
  int rest = rule.prefix_bits % 8;
  if (rest == 0) {
    return true;
  }
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address[full] & mask) == rule.network[full];
}

}  // namespace

std::string CidrRule::ToString() const {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(family, network.data(), text, sizeof(text));
  return std::string(text) + "/" + std::to_string(prefix_bits);
}

absl::StatusOr<NetworkAllowList> NetworkAllowList::Parse(std::string_view spec) {
  NetworkAllowList list;
  size_t i = 0;
  while (i < spec.size()) {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == ',' || spec[i] == '\t')) {
      ++i;
    }
    size_t start = i;
    while (i < spec.size() && spec[i] != ' ' && spec[i] != ',' && spec[i] != '\t') {
      ++i;
    }
    if (i == start) {
      break;
    }
    absl::StatusOr<CidrRule> rule = ParseRule(spec.substr(start, i - start));
    if (!rule.ok()) {
      return rule.status();
    }
    list.rules_.push_back(*rule);
  }
  return list;
}

bool NetworkAllowList::Allows(const sockaddr* address) const {
  if (rules_.empty()) {
    return true;
  }
  int family = address->sa_family;
  const uint8_t* bytes = nullptr;
  if (family == AF_INET) {
    bytes =
        reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
  } else if (family == AF_INET6) {
    const auto* in6 = &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    bytes = reinterpret_cast<const uint8_t*>(in6);
    if (IN6_IS_ADDR_V4MAPPED(in6)) {
      family = AF_INET;
      bytes += 12;
    }
  } else {
    return false;  // Unix sockets and others have no network address to match
  }
  for (const CidrRule& rule : rules_) {
    if (rule.family == family && Covers(rule, bytes)) {
      return true;
    }
  }
  return false;
}

std::string NetworkAllowList::ToString() const {
  std::string out;
  for (const CidrRule& rule : rules_) {
    out += (out.empty() ? "" : " ") + rule.ToString();
  }
  return out;
}

}  // namespace redoubt::security
