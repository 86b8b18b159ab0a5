// EC2 security groups; see security_groups.h.
#include "control/security_groups.h"

#include <arpa/inet.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/numbers.h"
#include "common/random_id.h"
#include "control/resource_records.h"

namespace redoubt::control {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IngressRule, protocol, from_port, to_port, cidr,
                                                description, rule_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecurityGroupRecord, id, name, description, vpc_id,
                                                tags, ingress)

namespace {

constexpr char kResourceKind[] = "security-group";
// EC2's default quota of inbound rules per security group.
constexpr size_t kMaxIngressRules = 60;

// An EC2 id: prefix (sg-, sgr-) and 17 hex digits.
std::string NewEc2Id(std::string_view prefix) {
  return std::string(prefix) + common::RandomHexId().substr(0, 17);
}

}  // namespace

ApiError SecurityGroupNotFound(const std::string& id_or_name) {
  return ApiError{400, "InvalidGroup.NotFound",
                  "The security group '" + id_or_name + "' does not exist"};
}

ApiError MalformedSecurityGroupId(const std::string& id) {
  return ApiError{400, "InvalidGroupId.Malformed",
                  "Invalid id: \"" + id + "\" (expecting \"sg-...\")"};
}

std::optional<std::string> CanonicalCidr(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string address(text.substr(0, slash));
  const std::optional<int64_t> prefix = common::ParseInt64(text.substr(slash + 1));
  if (!prefix || *prefix < 0) {
    return std::nullopt;
  }
  unsigned char bytes[16] = {};
  int length = 0;
  int family = AF_INET;
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
    length = 4;
  } else if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    length = 16;
    family = AF_INET6;
  } else {
    return std::nullopt;
  }
  if (*prefix > length * 8) {
    return std::nullopt;
  }
  for (int bit = static_cast<int>(*prefix); bit < length * 8; ++bit) {
    bytes[bit / 8] = static_cast<unsigned char>(bytes[bit / 8] & ~(0x80 >> (bit % 8)));
  }
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes, out, sizeof out);
  return std::string(out) + "/" + std::to_string(*prefix);
}

bool IngressRule::SameAs(const IngressRule& other) const {
  return protocol == other.protocol && from_port == other.from_port && to_port == other.to_port &&
         cidr == other.cidr;
}

bool IngressRule::AdmitsTcpTo(int port) const {
  return protocol == "-1" || (protocol == "tcp" && from_port <= port && port <= to_port);
}

std::string IngressRule::Describe() const {
  std::string text = "peer: " + cidr + ", ";
  if (protocol == "-1") {
    return text + "ALL, ALLOW";
  }
  std::string upper = protocol;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  return text + upper + ", from port: " + std::to_string(from_port) +
         ", to port: " + std::to_string(to_port) + ", ALLOW";
}

absl::Status SecurityGroups::Load() {
  std::lock_guard lock(mu_);
  return LoadRecords(
      store_, kResourceKind, [](const SecurityGroupRecord& g) { return g.id; }, &groups_);
}

absl::Status SecurityGroups::SaveLocked(const SecurityGroupRecord& group) {
  return SaveRecord(store_, kResourceKind, group.id, group);
}

void SecurityGroups::NotifyChanged(const std::string& id) const {
  if (rules_changed_) {
    rules_changed_(id);
  }
}

std::optional<ApiError> SecurityGroups::Create(SecurityGroupRecord draft,
                                               SecurityGroupRecord* created) {
  std::lock_guard lock(mu_);
  if (draft.vpc_id.empty()) {
    draft.vpc_id = kDefaultVpcId;
  }
  for (const auto& [id, group] : groups_) {
    if (group.name == draft.name && group.vpc_id == draft.vpc_id) {
      return ApiError{
          400, "InvalidGroup.Duplicate",
          "The security group '" + draft.name + "' already exists for VPC '" + draft.vpc_id + "'"};
    }
  }
  do {
    draft.id = NewEc2Id("sg-");
  } while (groups_.count(draft.id) > 0);
  if (absl::Status s = SaveLocked(draft); !s.ok()) {
    return ApiError{500, "InternalError", std::string(s.message()), false};
  }
  *created = draft;
  groups_[draft.id] = std::move(draft);
  return std::nullopt;
}

std::optional<ApiError> SecurityGroups::Delete(const std::string& id) {
  // Asked before taking the lock: the replication groups' lock is taken before this one when
  // they read rules, never after.
  const std::vector<std::string> users = users_of_ ? users_of_(id) : std::vector<std::string>();
  if (!users.empty()) {
    return ApiError{
        400, "DependencyViolation",
        "resource " + id + " has a dependent object (replication group " + users.front() + ")"};
  }
  std::lock_guard lock(mu_);
  if (groups_.count(id) == 0) {
    return SecurityGroupNotFound(id);
  }
  if (absl::Status s = store_.DeleteResource(kResourceKind, id); !s.ok()) {
    return ApiError{500, "InternalError", std::string(s.message()), false};
  }
  groups_.erase(id);
  return std::nullopt;
}

std::optional<ApiError> SecurityGroups::Authorize(const std::string& id,
                                                  std::vector<IngressRule> rules,
                                                  std::vector<IngressRule>* added) {
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      return SecurityGroupNotFound(id);
    }
    SecurityGroupRecord updated = it->second;
    for (IngressRule& rule : rules) {
      for (const IngressRule& existing : updated.ingress) {
        if (existing.SameAs(rule)) {
          return ApiError{400, "InvalidPermission.Duplicate",
                          "the specified rule \"" + rule.Describe() + "\" already exists"};
        }
      }
      rule.rule_id = NewEc2Id("sgr-");
      updated.ingress.push_back(rule);
    }
    if (updated.ingress.size() > kMaxIngressRules) {
      return ApiError{400, "RulesPerSecurityGroupLimitExceeded",
                      "The maximum number of rules per security group has been reached."};
    }
    if (absl::Status s = SaveLocked(updated); !s.ok()) {
      return ApiError{500, "InternalError", std::string(s.message()), false};
    }
    it->second = std::move(updated);
    *added = std::move(rules);
  }
  NotifyChanged(id);
  return std::nullopt;
}

std::optional<ApiError> SecurityGroups::Revoke(const std::string& id,
                                               const std::vector<IngressRule>& rules) {
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      return SecurityGroupNotFound(id);
    }
    SecurityGroupRecord updated = it->second;
    for (const IngressRule& rule : rules) {
      auto match = std::find_if(updated.ingress.begin(), updated.ingress.end(),
                                [&](const IngressRule& r) { return r.SameAs(rule); });
      if (match == updated.ingress.end()) {
        return ApiError{400, "InvalidPermission.NotFound",
                        "The specified rule does not exist in this security group."};
      }
      updated.ingress.erase(match);
    }
    if (absl::Status s = SaveLocked(updated); !s.ok()) {
      return ApiError{500, "InternalError", std::string(s.message()), false};
    }
    it->second = std::move(updated);
  }
  NotifyChanged(id);
  return std::nullopt;
}

std::optional<ApiError> SecurityGroups::Resolve(const std::optional<std::string>& id,
                                                const std::optional<std::string>& name,
                                                std::string* resolved) const {
  std::lock_guard lock(mu_);
  if (id) {
    if (id->rfind("sg-", 0) != 0) {
      return MalformedSecurityGroupId(*id);
    }
    if (groups_.count(*id) == 0) {
      return SecurityGroupNotFound(*id);
    }
    *resolved = *id;
    return std::nullopt;
  }
  if (!name) {
    return ApiError{400, "MissingParameter",
                    "The request must contain the parameter groupName or groupId"};
  }
  for (const auto& [group_id, group] : groups_) {
    if (group.name == *name && group.vpc_id == kDefaultVpcId) {
      *resolved = group_id;
      return std::nullopt;
    }
  }
  return ApiError{
      400, "InvalidGroup.NotFound",
      "The security group '" + *name + "' does not exist in default VPC '" + kDefaultVpcId + "'"};
}

std::optional<SecurityGroupRecord> SecurityGroups::Find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = groups_.find(id);
  return it == groups_.end() ? std::nullopt : std::optional(it->second);
}

std::vector<SecurityGroupRecord> SecurityGroups::All() const {
  std::lock_guard lock(mu_);
  std::vector<SecurityGroupRecord> all;
  all.reserve(groups_.size());
  for (const auto& [id, group] : groups_) {
    all.push_back(group);
  }
  return all;
}

std::vector<std::string> SecurityGroups::SourcesAdmitted(const std::vector<std::string>& ids,
                                                         int port) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> sources;
  for (const std::string& id : ids) {
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      continue;
    }
    for (const IngressRule& rule : it->second.ingress) {
      if (rule.AdmitsTcpTo(port) &&
          std::find(sources.begin(), sources.end(), rule.cidr) == sources.end()) {
        sources.push_back(rule.cidr);
      }
    }
  }
  return sources;
}

}  // namespace redoubt::control
