// CreateReplicationGroup's parameters read and checked into the record of the group to create,
// with ElastiCache's rules and errors: the id's form, cluster mode from the parameters (or the
// parameter group), node groups and replicas within the limits, slots that cover 16384 exactly
// once, a node type that exists, automatic failover where it is required.
//
// Thread: pure functions.
#pragma once

#include <optional>

#include "control/form_body.h"
#include "control/group_model.h"
#include "control/query_protocol.h"
#include "control/replication_groups.h"

namespace redoubt::control {

// The most nodes one group may have here (ElastiCache allows 500 in cluster mode; a machine of
// loopback addresses is smaller).
inline constexpr int kMaxNodesPerGroup = 90;

// On success *draft holds the group with its nodes named and given roles, without addresses.
std::optional<ApiError> ReadCreateReplicationGroup(const FormParams& params, GroupRecord* draft);

// ModifyReplicationGroup's parameters: the group's id (lowercased) and the change. A parameter
// this control plane does not apply yet is refused rather than ignored.
std::optional<ApiError> ReadModifyReplicationGroup(const FormParams& params, std::string* id,
                                                   GroupModification* change);

// An auth token as ElastiCache accepts it: 16–128 printable ASCII characters without spaces,
// ', ", / or @.
std::optional<ApiError> CheckAuthToken(const std::string& token);

// A replication group id as ElastiCache accepts it (lowercased first): 1–40 letters, digits and
// hyphens, starting with a letter, without two hyphens in a row or one at the end.
std::optional<ApiError> CheckGroupId(const std::string& id);

}  // namespace redoubt::control
