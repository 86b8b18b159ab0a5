// ElastiCache's tag operations; see tag_operations.h.
#include "control/tag_operations.h"

#include <optional>
#include <string>
#include <vector>

#include "common/ascii.h"
#include "control/request_parameters.h"

namespace redoubt::control {
namespace {

struct TaggedResource {
  std::string type;  // replicationgroup, cluster, user, usergroup
  std::string id;
};

// ResourceName: arn:aws:elasticache:REGION:ACCOUNT:TYPE:ID, in this control plane's region and
// account.
std::optional<ApiError> ReadResource(const FormParams& params, const ServiceScope& scope,
                                     TaggedResource* resource) {
  std::string arn;
  if (std::optional<ApiError> error = ReadRequired(params, "ResourceName", &arn)) {
    return error;
  }
  const std::string prefix = scope.Arn("");
  const std::vector<std::string_view> parts =
      arn.starts_with(prefix) ? common::Split(std::string_view(arn).substr(prefix.size()), ':')
                              : std::vector<std::string_view>();
  if (parts.size() != 2 || parts[1].empty()) {
    return ApiError{400, "InvalidARN",
                    "The ARN " + arn +
                        " is not one of this account's "
                        "ElastiCache resources (" +
                        prefix + "TYPE:ID)."};
  }
  resource->type = std::string(parts[0]);
  resource->id = common::ToLower(parts[1]);
  if (resource->type != "replicationgroup" && resource->type != "cluster" &&
      resource->type != "user" && resource->type != "usergroup") {
    return ApiError{400, "InvalidARN",
                    "Tags of " + resource->type +
                        " resources are not kept here: tag a replicationgroup, cluster, user "
                        "or usergroup."};
  }
  return std::nullopt;
}

// Applies add and remove to the resource's tags (neither for a listing) into *tags.
std::optional<ApiError> ChangeResourceTags(ReplicationGroups& groups, Users& users,
                                           const TaggedResource& resource,
                                           const std::vector<TagRecord>& add,
                                           const std::vector<std::string>& remove,
                                           std::vector<TagRecord>* tags) {
  if (resource.type == "replicationgroup") {
    return groups.ChangeGroupTags(resource.id, add, remove, tags);
  }
  if (resource.type == "user") {
    return users.ChangeUserTags(resource.id, add, remove, tags);
  }
  if (resource.type == "usergroup") {
    return users.ChangeUserGroupTags(resource.id, add, remove, tags);
  }
  for (const GroupRecord& group : groups.All(/*with_standalone=*/true)) {
    if (group.FindNode(resource.id) != nullptr) {
      if (group.standalone) {
        return groups.ChangeGroupTags(RecordKey(group), add, remove, tags);
      }
      if (!add.empty() || !remove.empty()) {
        return InvalidCombination("The tags of cache cluster " + resource.id +
                                  " are its replication group's: tag " + group.id + ".");
      }
      *tags = group.tags;
      return std::nullopt;
    }
  }
  return ApiError{404, "CacheClusterNotFound", "CacheCluster " + resource.id + " not found."};
}

void WriteTagList(XmlWriter& xml, const std::vector<TagRecord>& tags) {
  xml.Open("TagList");
  for (const TagRecord& tag : tags) {
    xml.Open("Tag");
    xml.Leaf("Key", tag.key);
    xml.Leaf("Value", tag.value);
    xml.Close();
  }
  xml.Close();
}

}  // namespace

void AddTagOperations(QueryService* service, const ServiceScope& scope, ReplicationGroups* groups,
                      Users* users) {
  // The three operations differ only in what they change: read the resource and the change,
  // apply it, answer the tags.
  auto add = [&](const char* action, auto read_change) {
    service->operations[action] = [scope, groups, users, read_change](const FormParams& params,
                                                                      XmlWriter& xml) {
      TaggedResource resource;
      if (std::optional<ApiError> error = ReadResource(params, scope, &resource)) {
        return error;
      }
      std::vector<TagRecord> to_add;
      std::vector<std::string> to_remove;
      if (std::optional<ApiError> error = read_change(params, &to_add, &to_remove)) {
        return error;
      }
      std::vector<TagRecord> tags;
      if (std::optional<ApiError> error =
              ChangeResourceTags(*groups, *users, resource, to_add, to_remove, &tags)) {
        return error;
      }
      WriteTagList(xml, tags);
      return std::optional<ApiError>();
    };
  };
  add("ListTagsForResource",
      [](const FormParams&, std::vector<TagRecord>*,
         std::vector<std::string>*) -> std::optional<ApiError> { return std::nullopt; });
  add("AddTagsToResource",
      [](const FormParams& params, std::vector<TagRecord>* tags,
         std::vector<std::string>*) -> std::optional<ApiError> {
        if (std::optional<ApiError> error = ReadTags(params, tags)) {
          return error;
        }
        return tags->empty() ? std::optional(MissingParameter("Tags")) : std::nullopt;
      });
  add("RemoveTagsFromResource",
      [](const FormParams& params, std::vector<TagRecord>*,
         std::vector<std::string>* keys) -> std::optional<ApiError> {
        *keys = params.List("TagKeys.member");
        return keys->empty() ? std::optional(MissingParameter("TagKeys")) : std::nullopt;
      });
}

}  // namespace redoubt::control
