// ElastiCache operations; see elasticache_api.h.
#include "control/elasticache_api.h"

#include <optional>
#include <string>
#include <vector>

#include "common/numbers.h"

namespace redoubt::control {
namespace {

struct ParameterGroup {
  std::string name;
  std::string family;
  std::string description;
};

// The default groups of the redis7 family, as ElastiCache has them in every account.
const std::vector<ParameterGroup>& DefaultParameterGroups() {
  static const std::vector<ParameterGroup> groups = {
      {"default.redis7", "redis7", "Default parameter group for redis7"},
      {"default.redis7.cluster.on", "redis7",
       "Customized default parameter group for redis7 with cluster mode on"},
  };
  return groups;
}

// MaxRecords and Marker as the Describe operations read them: a page of at most MaxRecords
// (20–100, default 100) from the position Marker names. The marker is the index of the next
// item, so that the same marker never comes back twice (awscli stops on a repeated one).
struct Page {
  size_t begin = 0;
  size_t size = 100;
};

std::optional<ApiError> ReadPage(const FormParams& params, Page* page) {
  if (std::optional<std::string> max = params.Get("MaxRecords")) {
    const std::optional<int64_t> value = common::ParseInt64(*max);
    if (!value || *value < 20 || *value > 100) {
      return ApiError{400, "InvalidParameterValue",
                      "MaxRecords must be between 20 and 100, got " + *max + "."};
    }
    page->size = static_cast<size_t>(*value);
  }
  if (std::optional<std::string> marker = params.Get("Marker")) {
    const std::optional<int64_t> value = common::ParseInt64(*marker);
    if (!value || *value < 0) {
      return ApiError{400, "InvalidParameterValue", "Invalid Marker: " + *marker + "."};
    }
    page->begin = static_cast<size_t>(*value);
  }
  return std::nullopt;
}

}  // namespace

QueryService MakeElastiCacheService(std::string region, std::string account) {
  QueryService service;
  service.xml_namespace = kElastiCacheNamespace;
  service.version = kElastiCacheVersion;
  const std::string arn_prefix = "arn:aws:elasticache:" + region + ":" + account + ":";
  service.operations["DescribeCacheParameterGroups"] =
      [arn_prefix](const FormParams& params, XmlWriter& xml) -> std::optional<ApiError> {
    std::vector<const ParameterGroup*> groups;
    const std::optional<std::string> name = params.Get("CacheParameterGroupName");
    for (const ParameterGroup& g : DefaultParameterGroups()) {
      if (!name || g.name == *name) {
        groups.push_back(&g);
      }
    }
    if (name && groups.empty()) {
      return ApiError{404, "CacheParameterGroupNotFound",
                      "CacheParameterGroup " + *name + " not found."};
    }
    Page page;
    if (std::optional<ApiError> error = ReadPage(params, &page)) {
      return error;
    }
    xml.Open("CacheParameterGroups");
    for (size_t i = page.begin; i < groups.size() && i < page.begin + page.size; ++i) {
      xml.Open("CacheParameterGroup");
      xml.Leaf("CacheParameterGroupName", groups[i]->name);
      xml.Leaf("CacheParameterGroupFamily", groups[i]->family);
      xml.Leaf("Description", groups[i]->description);
      xml.Leaf("IsGlobal", false);
      xml.Leaf("ARN", arn_prefix + "parametergroup:" + groups[i]->name);
      xml.Close();
    }
    xml.Close();
    if (page.begin + page.size < groups.size()) {
      xml.Leaf("Marker", std::to_string(page.begin + page.size));
    }
    return std::nullopt;
  };
  return service;
}

}  // namespace redoubt::control
