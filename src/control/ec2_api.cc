// EC2's security-group operations; see ec2_api.h.
#include "control/ec2_api.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/ascii.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "control/request_parameters.h"

namespace redoubt::control {
namespace {

// EC2 caps names and descriptions at 255 characters of printable ASCII.
constexpr size_t kMaxNameLength = 255;

bool PrintableAscii(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7E) {
      return false;
    }
  }
  return true;
}

// DryRun=true: every check passed, nothing is changed, and EC2 says so with an error.
std::optional<ApiError> StopIfDryRun(const FormParams& params) {
  std::optional<bool> dry_run;
  if (std::optional<ApiError> error = ReadBool(params, "DryRun", &dry_run)) {
    return error;
  }
  if (dry_run.value_or(false)) {
    return ApiError{412, "DryRunOperation",
                    "Request would have succeeded, but DryRun flag is set."};
  }
  return std::nullopt;
}

// The protocol as EC2 stores it: names and numbers of TCP, UDP, ICMP, ICMPv6, and -1 (or
// "all") for every protocol.
std::optional<std::string> NormalizeProtocol(std::string_view text) {
  const std::string lower = common::ToLower(text);
  if (lower == "tcp" || lower == "6")
    return "tcp";
  if (lower == "udp" || lower == "17")
    return "udp";
  if (lower == "icmp" || lower == "1")
    return "icmp";
  if (lower == "icmpv6" || lower == "58")
    return "icmpv6";
  if (lower == "-1" || lower == "all")
    return "-1";
  return std::nullopt;
}

std::optional<ApiError> ReadPort(const FormParams& params, const std::string& name,
                                 std::optional<int>* out) {
  return ReadInt(params, name, -1, 65535, out);
}

// One permission: its protocol and ports from prefix.IpProtocol/FromPort/ToPort, then one rule
// per source in sources (CIDR, description).
std::optional<ApiError> ReadPermission(
    const FormParams& params, const std::string& prefix,
    const std::vector<std::pair<std::string, std::string>>& sources,
    std::vector<IngressRule>* rules) {
  std::string protocol_text;
  if (std::optional<ApiError> error = ReadRequired(params, prefix + "IpProtocol", &protocol_text)) {
    return error;
  }
  const std::optional<std::string> protocol = NormalizeProtocol(protocol_text);
  if (!protocol) {
    return InvalidValue("Invalid value '" + protocol_text + "' for IP protocol. Unknown protocol.");
  }
  std::optional<int> from;
  std::optional<int> to;
  if (std::optional<ApiError> error = ReadPort(params, prefix + "FromPort", &from)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadPort(params, prefix + "ToPort", &to)) {
    return error;
  }
  IngressRule rule;
  rule.protocol = *protocol;
  if (*protocol == "tcp" || *protocol == "udp") {
    if (!from || !to || *from < 0 || *to < 0) {
      return InvalidValue(
          "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
    }
    if (*from > *to) {
      return InvalidValue("Invalid TCP/UDP port range: from port " + std::to_string(*from) +
                          " is above to port " + std::to_string(*to) + ".");
    }
    rule.from_port = *from;
    rule.to_port = *to;
  } else if (*protocol != "-1") {
    rule.from_port = from.value_or(-1);  // ICMP type and code
    rule.to_port = to.value_or(-1);
  }
  if (sources.empty()) {
    return InvalidValue("The rule names no source: give a CIDR range (IpRanges, Ipv6Ranges).");
  }
  for (const auto& [cidr_text, description] : sources) {
    const std::optional<std::string> cidr = CanonicalCidr(cidr_text);
    if (!cidr) {
      return InvalidValue("CIDR block " + cidr_text + " is malformed");
    }
    if (description.size() > kMaxNameLength || !PrintableAscii(description)) {
      return InvalidValue("Invalid rule description: up to 255 printable ASCII characters.");
    }
    rule.cidr = *cidr;
    rule.description = description;
    rules->push_back(rule);
  }
  return std::nullopt;
}

// The sources under prefix (IpRanges.N.CidrIp, Ipv6Ranges.N.CidrIpv6 and their descriptions).
std::vector<std::pair<std::string, std::string>> ReadSources(const FormParams& params,
                                                             const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> sources;
  for (const auto& [list, member] :
       {std::pair{"IpRanges", "CidrIp"}, std::pair{"Ipv6Ranges", "CidrIpv6"}}) {
    for (int i = 1;; ++i) {
      const std::string item = prefix + list + "." + std::to_string(i);
      const std::optional<std::string> cidr = params.Get(item + "." + member);
      if (!cidr) {
        break;
      }
      sources.emplace_back(*cidr, params.Get(item + ".Description").value_or(""));
    }
  }
  return sources;
}

// The rules of an Authorize/Revoke request: IpPermissions.N.…, or the older flat form
// (IpProtocol, FromPort, ToPort, CidrIp). Sources that are security groups or prefix lists
// are refused: nothing here gives them addresses.
std::optional<ApiError> ReadRules(const FormParams& params, std::vector<IngressRule>* rules) {
  static const ApiError kGroupSources = InvalidValue(
      "Rules whose source is a security group or a prefix list are not supported by this "
      "control plane: give the sources as CIDR ranges.");
  for (int i = 1;; ++i) {
    const std::string prefix = "IpPermissions." + std::to_string(i) + ".";
    if (!params.HasUnder(prefix.substr(0, prefix.size() - 1))) {
      break;
    }
    if (params.HasUnder(prefix + "Groups") || params.HasUnder(prefix + "PrefixListIds")) {
      return kGroupSources;
    }
    if (std::optional<ApiError> error =
            ReadPermission(params, prefix, ReadSources(params, prefix), rules)) {
      return error;
    }
  }
  if (params.Has("SourceSecurityGroupName") || params.Has("SourceSecurityGroupOwnerId")) {
    return kGroupSources;
  }
  if (params.Has("IpProtocol") || params.Has("CidrIp")) {
    std::vector<std::pair<std::string, std::string>> sources;
    if (std::optional<std::string> cidr = params.Get("CidrIp")) {
      sources.emplace_back(*cidr, "");
    }
    if (std::optional<ApiError> error = ReadPermission(params, "", sources, rules)) {
      return error;
    }
  }
  return std::nullopt;
}

void WriteTags(XmlWriter& xml, const std::vector<TagRecord>& tags) {
  xml.Open("tagSet");
  for (const TagRecord& tag : tags) {
    xml.Open("item");
    xml.Leaf("key", tag.key);
    xml.Leaf("value", tag.value);
    xml.Close();
  }
  xml.Close();
}

// The rules as EC2 lists them: one permission per protocol and port range, with its sources.
void WritePermissions(XmlWriter& xml, const char* element, const std::vector<IngressRule>& rules) {
  std::vector<const IngressRule*> heads;  // the first rule of each permission
  for (const IngressRule& rule : rules) {
    bool seen = false;
    for (const IngressRule* head : heads) {
      seen |= head->protocol == rule.protocol && head->from_port == rule.from_port &&
              head->to_port == rule.to_port;
    }
    if (!seen) {
      heads.push_back(&rule);
    }
  }
  xml.Open(element);
  for (const IngressRule* head : heads) {
    xml.Open("item");
    xml.Leaf("ipProtocol", head->protocol);
    if (head->protocol != "-1") {
      xml.Leaf("fromPort", static_cast<long long>(head->from_port));
      xml.Leaf("toPort", static_cast<long long>(head->to_port));
    }
    xml.Open("groups");
    xml.Close();
    for (const bool v6 : {false, true}) {
      xml.Open(v6 ? "ipv6Ranges" : "ipRanges");
      for (const IngressRule& rule : rules) {
        if (rule.protocol == head->protocol && rule.from_port == head->from_port &&
            rule.to_port == head->to_port && (rule.cidr.find(':') != std::string::npos) == v6) {
          xml.Open("item");
          xml.Leaf(v6 ? "cidrIpv6" : "cidrIp", rule.cidr);
          if (!rule.description.empty()) {
            xml.Leaf("description", rule.description);
          }
          xml.Close();
        }
      }
      xml.Close();
    }
    xml.Open("prefixListIds");
    xml.Close();
    xml.Close();
  }
  xml.Close();
}

void WriteSecurityGroup(XmlWriter& xml, const std::string& account,
                        const SecurityGroupRecord& group) {
  // Every group lets everything out, as a new EC2 group does; egress rules are not modelled.
  static const std::vector<IngressRule> kAllEgress = {{"-1", -1, -1, "0.0.0.0/0", "", ""}};
  xml.Open("item");
  xml.Leaf("ownerId", account);
  xml.Leaf("groupName", group.name);
  xml.Leaf("groupId", group.id);
  xml.Leaf("groupDescription", group.description);
  WritePermissions(xml, "ipPermissions", group.ingress);
  WritePermissions(xml, "ipPermissionsEgress", kAllEgress);
  xml.Leaf("vpcId", group.vpc_id);
  WriteTags(xml, group.tags);
  xml.Close();
}

// The group a request names by GroupId or GroupName.
std::optional<ApiError> ReadGroup(const SecurityGroups& groups, const FormParams& params,
                                  std::string* id) {
  return groups.Resolve(params.Get("GroupId"), params.Get("GroupName"), id);
}

std::optional<ApiError> CreateSecurityGroup(const std::string&, SecurityGroups& groups,
                                            const FormParams& params, XmlWriter& xml) {
  SecurityGroupRecord draft;
  if (std::optional<ApiError> error = ReadRequired(params, "GroupName", &draft.name)) {
    return error;
  }
  if (std::optional<ApiError> error =
          ReadRequired(params, "GroupDescription", &draft.description)) {
    return error;
  }
  if (draft.name.empty() || draft.name.size() > kMaxNameLength || !PrintableAscii(draft.name)) {
    return InvalidValue("Invalid value '" + draft.name +
                        "' for groupName: 1 to 255 printable ASCII characters.");
  }
  if (draft.name.rfind("sg-", 0) == 0) {
    return InvalidValue("Group names may not be in the format sg-*.");
  }
  if (draft.description.size() > kMaxNameLength || !PrintableAscii(draft.description)) {
    return InvalidValue(
        "Invalid value for GroupDescription: up to 255 printable ASCII characters.");
  }
  draft.vpc_id = params.Get("VpcId").value_or("");
  if (!draft.vpc_id.empty() && draft.vpc_id.rfind("vpc-", 0) != 0) {
    return ApiError{400, "InvalidVpcID.NotFound",
                    "The vpc ID '" + draft.vpc_id + "' does not exist"};
  }
  for (int i = 1;; ++i) {
    const std::string spec = "TagSpecification." + std::to_string(i);
    if (!params.HasUnder(spec)) {
      break;
    }
    const std::string type = params.Get(spec + ".ResourceType").value_or("");
    if (type != "security-group") {
      return InvalidValue("'" + type +
                          "' is not a valid taggable resource type for this operation.");
    }
    for (int j = 1;; ++j) {
      const std::string tag = spec + ".Tag." + std::to_string(j);
      const std::optional<std::string> key = params.Get(tag + ".Key");
      if (!key) {
        break;
      }
      draft.tags.push_back({*key, params.Get(tag + ".Value").value_or("")});
    }
  }
  if (std::optional<ApiError> stop = StopIfDryRun(params)) {
    return stop;
  }
  SecurityGroupRecord created;
  if (std::optional<ApiError> error = groups.Create(std::move(draft), &created)) {
    return error;
  }
  xml.Leaf("groupId", created.id);
  if (!created.tags.empty()) {
    WriteTags(xml, created.tags);
  }
  return std::nullopt;
}

std::optional<ApiError> DeleteSecurityGroup(const std::string&, SecurityGroups& groups,
                                            const FormParams& params, XmlWriter& xml) {
  std::string id;
  if (std::optional<ApiError> error = ReadGroup(groups, params, &id)) {
    return error;
  }
  if (std::optional<ApiError> stop = StopIfDryRun(params)) {
    return stop;
  }
  if (std::optional<ApiError> error = groups.Delete(id)) {
    return error;
  }
  xml.Leaf("return", true);
  xml.Leaf("groupId", id);
  return std::nullopt;
}

// What Authorize and Revoke read: the group (GroupId or GroupName) and its rules, as
// permissions or, for a revocation, by SecurityGroupRuleId too; none given is an error. DryRun
// stops here, every check passed.
std::optional<ApiError> ReadRuleChange(const SecurityGroups& groups, const FormParams& params,
                                       bool by_rule_id, std::string* id,
                                       std::vector<IngressRule>* rules) {
  if (std::optional<ApiError> error = ReadGroup(groups, params, id)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadRules(params, rules)) {
    return error;
  }
  const std::vector<std::string> rule_ids =
      by_rule_id ? params.List("SecurityGroupRuleId") : std::vector<std::string>();
  const std::optional<SecurityGroupRecord> group =
      rule_ids.empty() ? std::nullopt : groups.Find(*id);
  for (const std::string& rule_id : rule_ids) {
    const auto& ingress = group ? group->ingress : std::vector<IngressRule>();
    auto found = std::find_if(ingress.begin(), ingress.end(),
                              [&](const IngressRule& rule) { return rule.rule_id == rule_id; });
    if (found == ingress.end()) {
      return ApiError{400, "InvalidSecurityGroupRuleId.NotFound",
                      "The security group rule ID '" + rule_id + "' does not exist"};
    }
    rules->push_back(*found);
  }
  if (rules->empty()) {
    return ApiError{
        400, "MissingParameter",
        std::string("No inbound rule was given: IpPermissions, IpProtocol with CidrIp") +
            (by_rule_id ? ", or SecurityGroupRuleId." : ".")};
  }
  return StopIfDryRun(params);
}

std::optional<ApiError> AuthorizeSecurityGroupIngress(const std::string& account,
                                                      SecurityGroups& groups,
                                                      const FormParams& params, XmlWriter& xml) {
  std::string id;
  std::vector<IngressRule> rules;
  if (std::optional<ApiError> error = ReadRuleChange(groups, params, false, &id, &rules)) {
    return error;
  }
  std::vector<IngressRule> added;
  if (std::optional<ApiError> error = groups.Authorize(id, std::move(rules), &added)) {
    return error;
  }
  xml.Leaf("return", true);
  xml.Open("securityGroupRuleSet");
  for (const IngressRule& rule : added) {
    xml.Open("item");
    xml.Leaf("securityGroupRuleId", rule.rule_id);
    xml.Leaf("groupId", id);
    xml.Leaf("groupOwnerId", account);
    xml.Leaf("isEgress", false);
    xml.Leaf("ipProtocol", rule.protocol);
    xml.Leaf("fromPort", static_cast<long long>(rule.from_port));
    xml.Leaf("toPort", static_cast<long long>(rule.to_port));
    xml.Leaf(rule.cidr.find(':') != std::string::npos ? "cidrIpv6" : "cidrIpv4", rule.cidr);
    if (!rule.description.empty()) {
      xml.Leaf("description", rule.description);
    }
    xml.Close();
  }
  xml.Close();
  return std::nullopt;
}

std::optional<ApiError> RevokeSecurityGroupIngress(const std::string&, SecurityGroups& groups,
                                                   const FormParams& params, XmlWriter& xml) {
  std::string id;
  std::vector<IngressRule> rules;
  if (std::optional<ApiError> error = ReadRuleChange(groups, params, true, &id, &rules)) {
    return error;
  }
  if (std::optional<ApiError> error = groups.Revoke(id, rules)) {
    return error;
  }
  xml.Leaf("return", true);
  return std::nullopt;
}

// A Filter.N of DescribeSecurityGroups: the group passes when one of its values (with * and ?
// wildcards) matches one of the group's values for the filter's name.
bool PassesFilter(const SecurityGroupRecord& group, const std::string& name,
                  const std::vector<std::string>& patterns) {
  std::vector<std::string> values;
  if (name == "group-name") {
    values = {group.name};
  } else if (name == "group-id") {
    values = {group.id};
  } else if (name == "description") {
    values = {group.description};
  } else if (name == "vpc-id") {
    values = {group.vpc_id};
  } else if (name == "ip-permission.cidr" || name == "ip-permission.ipv6-cidr") {
    for (const IngressRule& rule : group.ingress) {
      values.push_back(rule.cidr);
    }
  } else if (name == "ip-permission.protocol") {
    for (const IngressRule& rule : group.ingress) {
      values.push_back(rule.protocol);
    }
  } else if (name == "tag-key") {
    for (const TagRecord& tag : group.tags) {
      values.push_back(tag.key);
    }
  } else if (name.rfind("tag:", 0) == 0) {
    for (const TagRecord& tag : group.tags) {
      if (tag.key == name.substr(4)) {
        values.push_back(tag.value);
      }
    }
  }
  for (const std::string& pattern : patterns) {
    for (const std::string& value : values) {
      if (common::GlobMatch(pattern, value)) {
        return true;
      }
    }
  }
  return false;
}

std::optional<ApiError> DescribeSecurityGroups(const std::string& account, SecurityGroups& groups,
                                               const FormParams& params, XmlWriter& xml) {
  static const char* const kFilterNames[] = {"group-name",
                                             "group-id",
                                             "description",
                                             "vpc-id",
                                             "ip-permission.cidr",
                                             "ip-permission.ipv6-cidr",
                                             "ip-permission.protocol",
                                             "tag-key"};
  std::vector<SecurityGroupRecord> found;
  const std::vector<std::string> ids = params.List("GroupId");
  const std::vector<std::string> names = params.List("GroupName");
  for (const std::string& id : ids) {
    if (id.rfind("sg-", 0) != 0) {
      return MalformedSecurityGroupId(id);
    }
    std::optional<SecurityGroupRecord> group = groups.Find(id);
    if (!group) {
      return SecurityGroupNotFound(id);
    }
    found.push_back(*std::move(group));
  }
  for (const std::string& name : names) {
    std::string id;
    if (std::optional<ApiError> error = groups.Resolve(std::nullopt, name, &id)) {
      return error;
    }
    if (std::optional<SecurityGroupRecord> group = groups.Find(id)) {
      found.push_back(*std::move(group));
    }
  }
  if (ids.empty() && names.empty()) {
    found = groups.All();
  }
  for (int i = 1;; ++i) {
    const std::string filter = "Filter." + std::to_string(i);
    const std::optional<std::string> name = params.Get(filter + ".Name");
    if (!name) {
      break;
    }
    if (std::find(std::begin(kFilterNames), std::end(kFilterNames), *name) ==
            std::end(kFilterNames) &&
        name->rfind("tag:", 0) != 0) {
      return ApiError{400, "InvalidParameterValue", "The filter '" + *name + "' is invalid"};
    }
    const std::vector<std::string> values = params.List(filter + ".Value");
    std::erase_if(found, [&](const SecurityGroupRecord& group) {
      return !PassesFilter(group, *name, values);
    });
  }
  if (std::optional<ApiError> stop = StopIfDryRun(params)) {
    return stop;
  }
  return WritePage(
      params, xml, "securityGroupInfo", found,
      [&](const auto& item) { WriteSecurityGroup(xml, account, item); }, kEc2PageNames);
}

// DescribeSubnets: SubnetId.N, Filter.N (subnet-id, cidr-block, vpc-id, availability-zone),
// MaxResults and NextToken.
std::optional<ApiError> DescribeSubnets(const std::vector<Subnet>& subnets, const std::string& zone,
                                        const std::string& account, const FormParams& params,
                                        XmlWriter& xml) {
  std::vector<const Subnet*> found;
  const std::vector<std::string> ids = params.List("SubnetId");
  for (const Subnet& subnet : subnets) {
    if (ids.empty() || std::find(ids.begin(), ids.end(), subnet.id) != ids.end()) {
      found.push_back(&subnet);
    }
  }
  for (const std::string& id : ids) {
    if (std::none_of(found.begin(), found.end(), [&](const Subnet* s) { return s->id == id; })) {
      return ApiError{400, "InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist"};
    }
  }
  for (int i = 1;; ++i) {
    const std::string filter = "Filter." + std::to_string(i);
    const std::optional<std::string> name = params.Get(filter + ".Name");
    if (!name) {
      break;
    }
    const std::vector<std::string> patterns = params.List(filter + ".Value");
    auto value_of = [&](const Subnet& s) -> std::optional<std::string> {
      if (*name == "subnet-id")
        return s.id;
      if (*name == "cidr-block" || *name == "cidr")
        return s.cidr;
      if (*name == "vpc-id")
        return std::string(kDefaultVpcId);
      if (*name == "availability-zone")
        return zone;
      return std::nullopt;
    };
    if (subnets.empty() || !value_of(subnets.front())) {
      return InvalidValue("The filter '" + *name + "' is invalid");
    }
    std::erase_if(found, [&](const Subnet* s) {
      const std::string value = *value_of(*s);
      return std::none_of(patterns.begin(), patterns.end(),
                          [&](const std::string& p) { return common::GlobMatch(p, value); });
    });
  }
  return WritePage(
      params, xml, "subnetSet", found,
      [&](const auto& item) {
        const Subnet& s = *item;
        xml.Open("item");
        xml.Leaf("subnetId", s.id);
        xml.Leaf("state", "available");
        xml.Leaf("vpcId", kDefaultVpcId);
        xml.Leaf("cidrBlock", s.cidr);
        xml.Leaf("availableIpAddressCount", static_cast<long long>(s.last - s.first + 1));
        xml.Leaf("availabilityZone", zone);
        xml.Leaf("defaultForAz", true);
        xml.Leaf("mapPublicIpOnLaunch", false);
        xml.Leaf("ownerId", account);
        xml.Close();
      },
      kEc2PageNames);
}

}  // namespace

QueryService MakeEc2Service(std::string account, SecurityGroups* groups,
                            std::vector<Subnet> subnets, std::string zone) {
  QueryService service;
  service.dialect = QueryDialect::kEc2;
  service.xml_namespace = kEc2Namespace;
  service.version = kEc2Version;
  auto add = [&](const char* action, auto operation) {
    service.operations[action] = [account, groups, operation](const FormParams& params,
                                                              XmlWriter& xml) {
      return operation(account, *groups, params, xml);
    };
  };
  add("CreateSecurityGroup", CreateSecurityGroup);
  add("DeleteSecurityGroup", DeleteSecurityGroup);
  add("AuthorizeSecurityGroupIngress", AuthorizeSecurityGroupIngress);
  add("RevokeSecurityGroupIngress", RevokeSecurityGroupIngress);
  add("DescribeSecurityGroups", DescribeSecurityGroups);
  service.operations["DescribeSubnets"] = [account, subnets = std::move(subnets),
                                           zone = std::move(zone)](const FormParams& params,
                                                                   XmlWriter& xml) {
    return DescribeSubnets(subnets, zone, account, params, xml);
  };
  return service;
}

}  // namespace redoubt::control
