// The body of an AWS Query protocol request (ElastiCache, EC2): application/x-www-form-urlencoded
// name=value pairs, and the parameters it carries, with the protocol's flattening of lists and
// structures into numbered names (SecurityGroupIds.SecurityGroupId.1, Tags.Tag.2.Key, …).
//
// Thread: pure functions; FormParams is a value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::control {

// %XX escapes decoded ('+' as a space too when plus_is_space, as forms encode it); nullopt for
// a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);

class FormParams {
 public:
  // nullopt when the body is not well formed (a bad escape, a pair without a name).
  static std::optional<FormParams> Parse(std::string_view body);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The value, or nullopt when absent.
  std::optional<std::string> Get(const std::string& name) const;
  // The members of a list flattened as prefix.1, prefix.2, …, in order, stopping at the first
  // number missing (as AWS reads them). prefix is e.g. "SecurityGroupIds.SecurityGroupId".
  std::vector<std::string> List(const std::string& prefix) const;
  // Some parameter is named prefix.… (a member of the structure or list prefix).
  bool HasUnder(const std::string& prefix) const;
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace redoubt::control
