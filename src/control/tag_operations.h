// ElastiCache's tag operations: ListTagsForResource, AddTagsToResource and
// RemoveTagsFromResource on the ARN of a replication group, a user or a user group (a member
// cache cluster's tags are its replication group's: listed, not changed on their own).
//
// Thread: called from the HTTP server's threads; the owners of the records are safe to share.
#pragma once

#include "control/group_xml.h"
#include "control/query_protocol.h"
#include "control/replication_groups.h"
#include "control/users.h"

namespace redoubt::control {

// Adds the operations to service (ElastiCache's); groups and users are borrowed.
void AddTagOperations(QueryService* service, const ServiceScope& scope, ReplicationGroups* groups,
                      Users* users);

}  // namespace redoubt::control
