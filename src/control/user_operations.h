// ElastiCache's user and user-group operations (role-based access control):
// Create/Modify/Delete/DescribeUsers and Create/Modify/Delete/DescribeUserGroups, read with
// ElastiCache's rules and errors, answered with the User and UserGroup shapes of the model.
//
// Thread: the operations are called from the HTTP server's threads; Users is safe to share.
#pragma once

#include "control/group_xml.h"
#include "control/query_protocol.h"
#include "control/users.h"

namespace redoubt::control {

// Adds the operations to service (ElastiCache's); users is borrowed and must outlive it.
void AddUserOperations(QueryService* service, const ServiceScope& scope, Users* users);

}  // namespace redoubt::control
