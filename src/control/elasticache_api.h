// The ElastiCache operations the control plane answers (API version 2015-02-02, the Query
// protocol): which actions exist and what each writes, over the control plane's state. The
// first of them: DescribeCacheParameterGroups, with the groups every account starts with.
//
// Thread: the service's operations are called from the HTTP server's threads; the state they
// read is immutable so far.
#pragma once

#include "control/query_protocol.h"

namespace redoubt::control {

inline constexpr char kElastiCacheNamespace[] = "http://elasticache.amazonaws.com/doc/2015-02-02/";
inline constexpr char kElastiCacheVersion[] = "2015-02-02";

// region and account name resources in ARNs (arn:aws:elasticache:REGION:ACCOUNT:…).
QueryService MakeElastiCacheService(std::string region, std::string account);

}  // namespace redoubt::control
