// ElastiCache's cache subnet groups: named sets of the VPC's subnets (subnets.h). A replication
// group created with CacheSubnetGroupName places its nodes on addresses of those subnets only;
// without one it uses "default", which every account has and which holds every subnet.
//
// Thread: safe; one mutex guards the records.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "control/group_model.h"
#include "control/query_protocol.h"
#include "control/state_store.h"
#include "control/subnets.h"

namespace redoubt::control {

inline constexpr char kDefaultSubnetGroup[] = "default";

struct CacheSubnetGroupRecord {
  std::string name;  // lowercase, as ElastiCache keeps it
  std::string description;
  std::vector<std::string> subnet_ids;
  std::vector<TagRecord> tags;
};

class CacheSubnetGroups {
 public:
  // subnets: the VPC's, which groups may name.
  CacheSubnetGroups(StateStore& store, std::vector<Subnet> subnets);

  absl::Status Load();  // once, before serving

  // The replication groups using a subnet group (DeleteCacheSubnetGroup refuses while any do).
  void SetUsersOf(std::function<std::vector<std::string>(const std::string&)> users_of) {
    users_of_ = std::move(users_of);
  }

  std::optional<ApiError> Create(CacheSubnetGroupRecord draft, CacheSubnetGroupRecord* created);
  std::optional<ApiError> Modify(const std::string& name,
                                 const std::optional<std::string>& description,
                                 const std::vector<std::string>& subnet_ids,
                                 CacheSubnetGroupRecord* modified);
  std::optional<ApiError> Delete(const std::string& name);
  std::optional<CacheSubnetGroupRecord> Find(const std::string& name) const;
  std::vector<CacheSubnetGroupRecord> All() const;  // "default" first, then by name

  const std::vector<Subnet>& subnets() const { return subnets_; }
  // The subnets of group name (every subnet for "default"; none for an unknown name).
  std::vector<Subnet> SubnetsOfGroup(const std::string& name) const;

 private:
  std::optional<ApiError> CheckSubnets(const std::vector<std::string>& ids) const;
  CacheSubnetGroupRecord DefaultGroup() const;

  StateStore& store_;
  const std::vector<Subnet> subnets_;
  std::function<std::vector<std::string>(const std::string&)> users_of_;
  mutable std::mutex mu_;
  std::map<std::string, CacheSubnetGroupRecord> groups_;  // by name, without "default"
};

ApiError CacheSubnetGroupNotFound(const std::string& name);

}  // namespace redoubt::control
