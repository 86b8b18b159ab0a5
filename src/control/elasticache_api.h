// The ElastiCache operations the control plane answers (API version 2015-02-02, the Query
// protocol): which actions exist, how each reads its parameters and what it writes, over the
// replication groups it runs. So far: Create/Describe/Modify/DeleteReplicationGroup,
// TestFailover, DescribeCacheClusters, DescribeEvents, DescribeCacheParameterGroups with the
// groups every account starts with, and the users and user groups (user_operations.h).
//
// Thread: the service's operations are called from the HTTP server's threads; ReplicationGroups
// is safe to share.
#pragma once

#include "control/cache_subnet_groups.h"
#include "control/group_xml.h"
#include "control/query_protocol.h"
#include "control/replication_groups.h"
#include "control/users.h"

namespace redoubt::control {

inline constexpr char kElastiCacheNamespace[] = "http://elasticache.amazonaws.com/doc/2015-02-02/";
inline constexpr char kElastiCacheVersion[] = "2015-02-02";

// groups, users and subnet_groups are borrowed and must outlive the service; without users
// (subnet groups), their operations are not offered.
QueryService MakeElastiCacheService(ServiceScope scope, ReplicationGroups* groups,
                                    Users* users = nullptr,
                                    CacheSubnetGroups* subnet_groups = nullptr);

}  // namespace redoubt::control
