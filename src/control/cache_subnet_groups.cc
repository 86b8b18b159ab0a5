// Cache subnet groups; see cache_subnet_groups.h.
#include "control/cache_subnet_groups.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "control/request_parameters.h"
#include "control/resource_records.h"

namespace redoubt::control {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CacheSubnetGroupRecord, name, description,
                                                subnet_ids, tags)

namespace {

constexpr char kResourceKind[] = "cache-subnet-group";
constexpr size_t kMaxSubnetsPerGroup = 20;  // ElastiCache's quota

}  // namespace

ApiError CacheSubnetGroupNotFound(const std::string& name) {
  return ApiError{400, "CacheSubnetGroupNotFoundFault",
                  "Cache subnet group " + name + " not found."};
}

CacheSubnetGroups::CacheSubnetGroups(StateStore& store, std::vector<Subnet> subnets)
    : store_(store), subnets_(std::move(subnets)) {}

absl::Status CacheSubnetGroups::Load() {
  std::lock_guard lock(mu_);
  return LoadRecords(
      store_, kResourceKind, [](const CacheSubnetGroupRecord& g) { return g.name; }, &groups_);
}

CacheSubnetGroupRecord CacheSubnetGroups::DefaultGroup() const {
  CacheSubnetGroupRecord group;
  group.name = kDefaultSubnetGroup;
  group.description = "default";
  for (const Subnet& subnet : subnets_) {
    group.subnet_ids.push_back(subnet.id);
  }
  return group;
}

std::optional<ApiError> CacheSubnetGroups::CheckSubnets(const std::vector<std::string>& ids) const {
  if (ids.empty()) {
    return MissingParameter("SubnetIds");
  }
  if (ids.size() > kMaxSubnetsPerGroup) {
    return ApiError{400, "CacheSubnetQuotaExceededFault",
                    "A cache subnet group has at most 20 subnets."};
  }
  for (const std::string& id : ids) {
    if (std::none_of(subnets_.begin(), subnets_.end(),
                     [&](const Subnet& subnet) { return subnet.id == id; })) {
      return ApiError{400, "InvalidSubnet",
                      "The subnet " + id + " does not exist (ec2 describe-subnets lists them)."};
    }
  }
  return std::nullopt;
}

std::optional<ApiError> CacheSubnetGroups::Create(CacheSubnetGroupRecord draft,
                                                  CacheSubnetGroupRecord* created) {
  if (std::optional<ApiError> error = CheckSubnets(draft.subnet_ids)) {
    return error;
  }
  std::lock_guard lock(mu_);
  if (draft.name == kDefaultSubnetGroup || groups_.count(draft.name) > 0) {
    return ApiError{400, "CacheSubnetGroupAlreadyExists",
                    "Cache subnet group " + draft.name + " already exists."};
  }
  if (absl::Status s = SaveRecord(store_, kResourceKind, draft.name, draft); !s.ok()) {
    return ApiError{500, "InternalFailure", std::string(s.message()), false};
  }
  *created = draft;
  groups_[draft.name] = std::move(draft);
  return std::nullopt;
}

std::optional<ApiError> CacheSubnetGroups::Modify(const std::string& name,
                                                  const std::optional<std::string>& description,
                                                  const std::vector<std::string>& subnet_ids,
                                                  CacheSubnetGroupRecord* modified) {
  if (!subnet_ids.empty()) {
    if (std::optional<ApiError> error = CheckSubnets(subnet_ids)) {
      return error;
    }
  }
  std::lock_guard lock(mu_);
  auto it = groups_.find(name);
  if (it == groups_.end()) {
    return name == kDefaultSubnetGroup
               ? InvalidValue("The default cache subnet group cannot be modified.")
               : CacheSubnetGroupNotFound(name);
  }
  CacheSubnetGroupRecord group = it->second;
  if (description) {
    group.description = *description;
  }
  if (!subnet_ids.empty()) {
    group.subnet_ids = subnet_ids;  // nodes already placed stay where they are
  }
  if (absl::Status s = SaveRecord(store_, kResourceKind, name, group); !s.ok()) {
    return ApiError{500, "InternalFailure", std::string(s.message()), false};
  }
  it->second = group;
  *modified = std::move(group);
  return std::nullopt;
}

std::optional<ApiError> CacheSubnetGroups::Delete(const std::string& name) {
  const std::vector<std::string> users = users_of_ ? users_of_(name) : std::vector<std::string>();
  std::lock_guard lock(mu_);
  if (name == kDefaultSubnetGroup) {
    return InvalidValue("The default cache subnet group cannot be deleted.");
  }
  if (groups_.count(name) == 0) {
    return CacheSubnetGroupNotFound(name);
  }
  if (!users.empty()) {
    return ApiError{
        400, "CacheSubnetGroupInUse",
        "Cache subnet group " + name + " is in use by replication group " + users.front() + "."};
  }
  if (absl::Status s = store_.DeleteResource(kResourceKind, name); !s.ok()) {
    return ApiError{500, "InternalFailure", std::string(s.message()), false};
  }
  groups_.erase(name);
  return std::nullopt;
}

std::optional<CacheSubnetGroupRecord> CacheSubnetGroups::Find(const std::string& name) const {
  if (name == kDefaultSubnetGroup) {
    return DefaultGroup();
  }
  std::lock_guard lock(mu_);
  auto it = groups_.find(name);
  return it == groups_.end() ? std::nullopt : std::optional(it->second);
}

std::vector<CacheSubnetGroupRecord> CacheSubnetGroups::All() const {
  std::vector<CacheSubnetGroupRecord> all = {DefaultGroup()};
  std::lock_guard lock(mu_);
  for (const auto& [name, group] : groups_) {
    all.push_back(group);
  }
  return all;
}

std::vector<Subnet> CacheSubnetGroups::SubnetsOfGroup(const std::string& name) const {
  std::vector<Subnet> found;
  const std::optional<CacheSubnetGroupRecord> group = Find(name);
  for (const Subnet& subnet : subnets_) {
    if (group && std::find(group->subnet_ids.begin(), group->subnet_ids.end(), subnet.id) !=
                     group->subnet_ids.end()) {
      found.push_back(subnet);
    }
  }
  return found;
}

}  // namespace redoubt::control
