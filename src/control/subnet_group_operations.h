// ElastiCache's cache subnet group operations: Create/Modify/Delete/DescribeCacheSubnetGroups,
// over the VPC's subnets (subnets.h, cache_subnet_groups.h).
//
// Thread: called from the HTTP server's threads; CacheSubnetGroups is safe to share.
#pragma once

#include "control/cache_subnet_groups.h"
#include "control/group_xml.h"
#include "control/query_protocol.h"

namespace redoubt::control {

// Adds the operations to service (ElastiCache's); groups is borrowed.
void AddSubnetGroupOperations(QueryService* service, const ServiceScope& scope,
                              CacheSubnetGroups* groups);

}  // namespace redoubt::control
