// ElastiCache's user and user-group operations; see user_operations.h.
#include "control/user_operations.h"

#include <optional>
#include <string>
#include <vector>

#include "common/ascii.h"
#include "common/glob.h"
#include "control/request_parameters.h"

namespace redoubt::control {
namespace {

std::optional<ApiError> ReadEngine(const FormParams& params, bool required) {
  std::optional<std::string> engine = params.Get("Engine");
  if (!engine) {
    return required ? std::optional(MissingParameter("Engine")) : std::nullopt;
  }
  if (common::ToLower(*engine) != "redis") {
    return InvalidValue("Invalid engine: " + *engine + ". This service runs redis.");
  }
  return std::nullopt;
}

// A user name is an ACL user's name on the nodes: printable, without spaces.
std::optional<ApiError> CheckUserName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 120;
  for (char c : name) {
    ok = ok && c > ' ' && c < 127;
  }
  if (!ok) {
    return InvalidValue("Invalid user name: 1 to 120 printable characters without spaces.");
  }
  return std::nullopt;
}

// How a user authenticates, from Passwords, NoPasswordRequired and AuthenticationMode: sets
// *passwords and *no_password. Nothing given leaves both untouched (*given false).
std::optional<ApiError> ReadAuthentication(const FormParams& params, bool* given,
                                           std::vector<std::string>* passwords, bool* no_password) {
  std::optional<bool> nopass;
  if (std::optional<ApiError> error = ReadBool(params, "NoPasswordRequired", &nopass)) {
    return error;
  }
  std::vector<std::string> given_passwords = params.List("Passwords.member");
  const std::vector<std::string> mode_passwords =
      params.List("AuthenticationMode.Passwords.member");
  given_passwords.insert(given_passwords.end(), mode_passwords.begin(), mode_passwords.end());
  const std::optional<std::string> type = params.Get("AuthenticationMode.Type");
  if (type && *type != "password" && *type != "no-password-required") {
    return InvalidValue(*type == "iam"
                            ? "IAM authentication is not available on this control plane."
                            : "Invalid AuthenticationMode.Type: " + *type + ".");
  }
  *given = nopass || type || !given_passwords.empty();
  if (!*given) {
    return std::nullopt;
  }
  const bool wants_nopass = nopass.value_or(false) || type == "no-password-required";
  if (wants_nopass && (!given_passwords.empty() || type == "password")) {
    return InvalidCombination("Passwords cannot be given for a user that requires none.");
  }
  if (!wants_nopass && given_passwords.empty()) {
    return InvalidValue("Passwords are required unless NoPasswordRequired is true.");
  }
  if (given_passwords.size() > 2) {
    return InvalidValue("A user has at most two passwords.");
  }
  for (const std::string& password : given_passwords) {
    if (std::optional<ApiError> error = CheckUserPassword(password)) {
      return error;
    }
  }
  *passwords = std::move(given_passwords);
  *no_password = wants_nopass;
  return std::nullopt;
}

void WriteMembers(XmlWriter& xml, const char* element, const std::vector<std::string>& values) {
  xml.Open(element);
  for (const std::string& value : values) {
    xml.Leaf("member", value);
  }
  xml.Close();
}

void WriteUser(XmlWriter& xml, const ServiceScope& scope, const Users& users,
               const UserRecord& user) {
  xml.Leaf("UserId", user.id);
  xml.Leaf("UserName", user.name);
  xml.Leaf("Status", user.status);
  xml.Leaf("Engine", user.engine);
  xml.Leaf("MinimumEngineVersion", "6.0");
  xml.Leaf("AccessString", user.access_string);
  WriteMembers(xml, "UserGroupIds", users.GroupsOfUser(user.id));
  xml.Open("Authentication");
  xml.Leaf("Type", user.no_password ? "no-password" : "password");
  xml.Leaf("PasswordCount", static_cast<long long>(user.passwords.size()));
  xml.Close();
  xml.Leaf("ARN", scope.Arn("user:" + user.id));
}

void WriteUserGroup(XmlWriter& xml, const ServiceScope& scope, const Users& users,
                    const UserGroupRecord& group) {
  xml.Leaf("UserGroupId", group.id);
  xml.Leaf("Status", group.status);
  xml.Leaf("Engine", group.engine);
  WriteMembers(xml, "UserIds", group.user_ids);
  xml.Leaf("MinimumEngineVersion", "6.0");
  WriteMembers(xml, "ReplicationGroups", users.ReplicationGroupsOf(group.id));
  xml.Leaf("ARN", scope.Arn("usergroup:" + group.id));
}

// The id parameter `name`, lowercased as ElastiCache stores ids, and checked.
std::optional<ApiError> ReadId(const FormParams& params, const char* name, const char* what,
                               std::string* id) {
  if (std::optional<ApiError> error = ReadRequired(params, name, id)) {
    return error;
  }
  *id = common::ToLower(*id);
  return CheckResourceId(what, *id);
}

std::optional<ApiError> CreateUser(const ServiceScope& scope, Users& users,
                                   const FormParams& params, XmlWriter& xml) {
  UserRecord draft;
  if (std::optional<ApiError> error = ReadId(params, "UserId", "user id", &draft.id)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadRequired(params, "UserName", &draft.name)) {
    return error;
  }
  if (std::optional<ApiError> error = CheckUserName(draft.name)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadEngine(params, true)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadRequired(params, "AccessString", &draft.access_string)) {
    return error;
  }
  if (std::optional<ApiError> error = CheckAccessString(draft.access_string)) {
    return error;
  }
  bool given = false;
  if (std::optional<ApiError> error =
          ReadAuthentication(params, &given, &draft.passwords, &draft.no_password)) {
    return error;
  }
  if (!given) {
    return InvalidValue("Passwords are required unless NoPasswordRequired is true.");
  }
  if (std::optional<ApiError> error = ReadTags(params, &draft.tags)) {
    return error;
  }
  UserRecord created;
  if (std::optional<ApiError> error = users.CreateUser(std::move(draft), &created)) {
    return error;
  }
  WriteUser(xml, scope, users, created);
  return std::nullopt;
}

std::optional<ApiError> ModifyUser(const ServiceScope& scope, Users& users,
                                   const FormParams& params, XmlWriter& xml) {
  std::string id;
  if (std::optional<ApiError> error = ReadRequired(params, "UserId", &id)) {
    return error;
  }
  id = common::ToLower(id);
  UserChange change;
  for (const char* name : {"AccessString", "AppendAccessString"}) {
    if (std::optional<std::string> access = params.Get(name)) {
      if (std::optional<ApiError> error = CheckAccessString(*access)) {
        return error;
      }
      (std::string_view(name) == "AccessString" ? change.access_string
                                                : change.append_access_string) = *access;
    }
  }
  bool given = false;
  std::vector<std::string> passwords;
  bool no_password = false;
  if (std::optional<ApiError> error =
          ReadAuthentication(params, &given, &passwords, &no_password)) {
    return error;
  }
  if (given) {
    change.no_password = no_password;
    if (!no_password) {
      change.passwords = std::move(passwords);
    }
  }
  if (!change.access_string && !change.append_access_string && !given) {
    return InvalidCombination("No modifications were requested.");
  }
  UserRecord modified;
  if (std::optional<ApiError> error = users.ModifyUser(id, change, &modified)) {
    return error;
  }
  modified.status = kUserModifying;  // the nodes took it before this reply
  WriteUser(xml, scope, users, modified);
  return std::nullopt;
}

std::optional<ApiError> DeleteUser(const ServiceScope& scope, Users& users,
                                   const FormParams& params, XmlWriter& xml) {
  std::string id;
  if (std::optional<ApiError> error = ReadRequired(params, "UserId", &id)) {
    return error;
  }
  UserRecord deleted;
  if (std::optional<ApiError> error = users.DeleteUser(common::ToLower(id), &deleted)) {
    return error;
  }
  WriteUser(xml, scope, users, deleted);
  return std::nullopt;
}

// DescribeUsers' and DescribeUserGroups' Filters.member.N: Name and Values.member.M, * and ?
// wildcards; value(name) gives the record's value for a filter name, nullopt for a name that is
// not one.
template <typename Record, typename ValueOf>
std::optional<ApiError> ApplyFilters(const FormParams& params, std::vector<Record>* records,
                                     ValueOf value_of) {
  for (int i = 1;; ++i) {
    const std::string filter = "Filters.member." + std::to_string(i);
    const std::optional<std::string> name = params.Get(filter + ".Name");
    if (!name) {
      return std::nullopt;
    }
    if (records->empty() ? !value_of(Record(), *name) : !value_of(records->front(), *name)) {
      return InvalidValue("Invalid filter name: " + *name + ".");
    }
    const std::vector<std::string> patterns = params.List(filter + ".Values.member");
    std::erase_if(*records, [&](const Record& record) {
      const std::string value = *value_of(record, *name);
      return std::none_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
        return common::GlobMatch(pattern, value);
      });
    });
  }
}

std::optional<ApiError> DescribeUsers(const ServiceScope& scope, Users& users,
                                      const FormParams& params, XmlWriter& xml) {
  if (std::optional<ApiError> error = ReadEngine(params, false)) {
    return error;
  }
  std::vector<UserRecord> found;
  if (std::optional<std::string> id = params.Get("UserId")) {
    std::optional<UserRecord> user = users.FindUser(common::ToLower(*id));
    if (!user) {
      return UserNotFound(*id);
    }
    found.push_back(*std::move(user));
  } else {
    found = users.AllUsers();
  }
  if (std::optional<ApiError> error = ApplyFilters(
          params, &found,
          [](const UserRecord& user, const std::string& name) -> std::optional<std::string> {
            if (name == "user-id")
              return user.id;
            if (name == "user-name")
              return user.name;
            if (name == "status")
              return user.status;
            return std::nullopt;
          })) {
    return error;
  }
  return WritePage(params, xml, "Users", found, [&](const auto& item) {
    xml.Open("member");
    WriteUser(xml, scope, users, item);
    xml.Close();
  });
}

std::optional<ApiError> ReadUserIds(const FormParams& params, const std::string& prefix,
                                    std::vector<std::string>* ids) {
  for (const std::string& id : params.List(prefix + ".member")) {
    const std::string lower = common::ToLower(id);
    if (std::find(ids->begin(), ids->end(), lower) != ids->end()) {
      return InvalidValue("User " + id + " is named twice.");
    }
    ids->push_back(lower);
  }
  return std::nullopt;
}

std::optional<ApiError> CreateUserGroup(const ServiceScope& scope, Users& users,
                                        const FormParams& params, XmlWriter& xml) {
  UserGroupRecord draft;
  if (std::optional<ApiError> error = ReadId(params, "UserGroupId", "user group id", &draft.id)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadEngine(params, true)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadUserIds(params, "UserIds", &draft.user_ids)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadTags(params, &draft.tags)) {
    return error;
  }
  UserGroupRecord created;
  if (std::optional<ApiError> error = users.CreateUserGroup(std::move(draft), &created)) {
    return error;
  }
  created.status = "creating";  // as the service answers; the next Describe says active
  WriteUserGroup(xml, scope, users, created);
  return std::nullopt;
}

std::optional<ApiError> ModifyUserGroup(const ServiceScope& scope, Users& users,
                                        const FormParams& params, XmlWriter& xml) {
  std::string id;
  if (std::optional<ApiError> error = ReadRequired(params, "UserGroupId", &id)) {
    return error;
  }
  std::vector<std::string> add;
  std::vector<std::string> remove;
  if (std::optional<ApiError> error = ReadUserIds(params, "UserIdsToAdd", &add)) {
    return error;
  }
  if (std::optional<ApiError> error = ReadUserIds(params, "UserIdsToRemove", &remove)) {
    return error;
  }
  if (add.empty() && remove.empty()) {
    return InvalidCombination("No modifications were requested.");
  }
  UserGroupRecord modified;
  if (std::optional<ApiError> error =
          users.ModifyUserGroup(common::ToLower(id), add, remove, &modified)) {
    return error;
  }
  modified.status = "modifying";
  WriteUserGroup(xml, scope, users, modified);
  return std::nullopt;
}

std::optional<ApiError> DeleteUserGroup(const ServiceScope& scope, Users& users,
                                        const FormParams& params, XmlWriter& xml) {
  std::string id;
  if (std::optional<ApiError> error = ReadRequired(params, "UserGroupId", &id)) {
    return error;
  }
  UserGroupRecord deleted;
  if (std::optional<ApiError> error = users.DeleteUserGroup(common::ToLower(id), &deleted)) {
    return error;
  }
  WriteUserGroup(xml, scope, users, deleted);
  return std::nullopt;
}

std::optional<ApiError> DescribeUserGroups(const ServiceScope& scope, Users& users,
                                           const FormParams& params, XmlWriter& xml) {
  std::vector<UserGroupRecord> found;
  if (std::optional<std::string> id = params.Get("UserGroupId")) {
    std::optional<UserGroupRecord> group = users.FindUserGroup(common::ToLower(*id));
    if (!group) {
      return UserGroupNotFound(*id);
    }
    found.push_back(*std::move(group));
  } else {
    found = users.AllUserGroups();
  }
  return WritePage(params, xml, "UserGroups", found, [&](const auto& item) {
    xml.Open("member");
    WriteUserGroup(xml, scope, users, item);
    xml.Close();
  });
}

}  // namespace

void AddUserOperations(QueryService* service, const ServiceScope& scope, Users* users) {
  auto add = [&](const char* action, auto operation) {
    service->operations[action] = [scope, users, operation](const FormParams& params,
                                                            XmlWriter& xml) {
      return operation(scope, *users, params, xml);
    };
  };
  add("CreateUser", CreateUser);
  add("ModifyUser", ModifyUser);
  add("DeleteUser", DeleteUser);
  add("DescribeUsers", DescribeUsers);
  add("CreateUserGroup", CreateUserGroup);
  add("ModifyUserGroup", ModifyUserGroup);
  add("DeleteUserGroup", DeleteUserGroup);
  add("DescribeUserGroups", DescribeUserGroups);
}

}  // namespace redoubt::control
