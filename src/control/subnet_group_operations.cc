// ElastiCache's cache subnet group operations; see subnet_group_operations.h.
#include "control/subnet_group_operations.h"

#include "common/ascii.h"
#include "control/request_parameters.h"
#include "control/security_groups.h"

namespace redoubt::control {
namespace {

void WriteSubnetGroup(XmlWriter& xml, const ServiceScope& scope, const CacheSubnetGroups& groups,
                      const CacheSubnetGroupRecord& group) {
  xml.Open("CacheSubnetGroup");
  xml.Leaf("CacheSubnetGroupName", group.name);
  xml.Leaf("CacheSubnetGroupDescription", group.description);
  xml.Leaf("VpcId", kDefaultVpcId);
  xml.Open("Subnets");
  for (const Subnet& subnet : groups.SubnetsOfGroup(group.name)) {
    xml.Open("Subnet");
    xml.Leaf("SubnetIdentifier", subnet.id);
    xml.Open("SubnetAvailabilityZone");
    xml.Leaf("Name", scope.Zone());
    xml.Close();
    xml.Open("SupportedNetworkTypes");
    xml.Leaf("member", "ipv4");
    xml.Close();
    xml.Close();
  }
  xml.Close();
  xml.Leaf("ARN", scope.Arn("subnetgroup:" + group.name));
  xml.Open("SupportedNetworkTypes");
  xml.Leaf("member", "ipv4");
  xml.Close();
  xml.Close();
}

// CacheSubnetGroupName: up to 255 letters, digits or hyphens, kept in lowercase.
std::optional<ApiError> ReadName(const FormParams& params, std::string* name) {
  if (std::optional<ApiError> error = ReadRequired(params, "CacheSubnetGroupName", name)) {
    return error;
  }
  *name = common::ToLower(*name);
  bool ok = !name->empty() && name->size() <= 255;
  for (char c : *name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  return ok ? std::nullopt
            : std::optional(InvalidValue("Invalid cache subnet group name: up to 255 letters, "
                                         "digits or hyphens."));
}

std::optional<ApiError> Create(const ServiceScope& scope, CacheSubnetGroups& groups,
                               const FormParams& params, XmlWriter& xml) {
  CacheSubnetGroupRecord draft;
  if (std::optional<ApiError> error = ReadName(params, &draft.name)) {
    return error;
  }
  if (std::optional<ApiError> error =
          ReadRequired(params, "CacheSubnetGroupDescription", &draft.description)) {
    return error;
  }
  draft.subnet_ids = params.List("SubnetIds.SubnetIdentifier");
  if (std::optional<ApiError> error = ReadTags(params, &draft.tags)) {
    return error;
  }
  CacheSubnetGroupRecord created;
  if (std::optional<ApiError> error = groups.Create(std::move(draft), &created)) {
    return error;
  }
  WriteSubnetGroup(xml, scope, groups, created);
  return std::nullopt;
}

std::optional<ApiError> Modify(const ServiceScope& scope, CacheSubnetGroups& groups,
                               const FormParams& params, XmlWriter& xml) {
  std::string name;
  if (std::optional<ApiError> error = ReadName(params, &name)) {
    return error;
  }
  CacheSubnetGroupRecord modified;
  if (std::optional<ApiError> error =
          groups.Modify(name, params.Get("CacheSubnetGroupDescription"),
                        params.List("SubnetIds.SubnetIdentifier"), &modified)) {
    return error;
  }
  WriteSubnetGroup(xml, scope, groups, modified);
  return std::nullopt;
}

std::optional<ApiError> Delete(const ServiceScope&, CacheSubnetGroups& groups,
                               const FormParams& params, XmlWriter&) {
  std::string name;
  if (std::optional<ApiError> error = ReadName(params, &name)) {
    return error;
  }
  return groups.Delete(name);
}

std::optional<ApiError> Describe(const ServiceScope& scope, CacheSubnetGroups& groups,
                                 const FormParams& params, XmlWriter& xml) {
  std::vector<CacheSubnetGroupRecord> found;
  if (std::optional<std::string> name = params.Get("CacheSubnetGroupName")) {
    std::optional<CacheSubnetGroupRecord> group = groups.Find(common::ToLower(*name));
    if (!group) {
      return CacheSubnetGroupNotFound(*name);
    }
    found.push_back(*std::move(group));
  } else {
    found = groups.All();
  }
  return WritePage(params, xml, "CacheSubnetGroups", found,
                   [&](const auto& item) { WriteSubnetGroup(xml, scope, groups, item); });
}

}  // namespace

void AddSubnetGroupOperations(QueryService* service, const ServiceScope& scope,
                              CacheSubnetGroups* groups) {
  auto add = [&](const char* action, auto operation) {
    service->operations[action] = [scope, groups, operation](const FormParams& params,
                                                             XmlWriter& xml) {
      return operation(scope, *groups, params, xml);
    };
  };
  add("CreateCacheSubnetGroup", Create);
  add("ModifyCacheSubnetGroup", Modify);
  add("DeleteCacheSubnetGroup", Delete);
  add("DescribeCacheSubnetGroups", Describe);
}

}  // namespace redoubt::control
