// The EC2 operations the control plane answers (API version 2016-11-15, EC2's dialect of the
// Query protocol): the security groups that ElastiCache users create and fill before naming
// them in CreateReplicationGroup. CreateSecurityGroup, DescribeSecurityGroups (ids, names,
// filters, pages), AuthorizeSecurityGroupIngress and RevokeSecurityGroupIngress (IpPermissions
// or the flat CidrIp form; by rule id too), DeleteSecurityGroup; and DescribeSubnets, the
// VPC's subnets that cache subnet groups name (subnets.h). DryRun is honoured.
//
// Thread: the operations are called from the HTTP server's threads; SecurityGroups is safe to
// share.
#pragma once

#include <string>
#include <vector>

#include "control/query_protocol.h"
#include "control/security_groups.h"
#include "control/subnets.h"

namespace redoubt::control {

inline constexpr char kEc2Namespace[] = "http://ec2.amazonaws.com/doc/2016-11-15/";
inline constexpr char kEc2Version[] = "2016-11-15";

// groups is borrowed and must outlive the service; account is the groups' ownerId; subnets
// (DescribeSubnets) are in availability zone `zone`.
QueryService MakeEc2Service(std::string account, SecurityGroups* groups,
                            std::vector<Subnet> subnets = {}, std::string zone = "");

}  // namespace redoubt::control
