// Users and user groups; see users.h.
#include "control/users.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "control/request_parameters.h"
#include "control/resource_records.h"
#include "security/acl_user.h"

namespace redoubt::control {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserRecord, id, name, engine, access_string,
                                                no_password, passwords, status, tags)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UserGroupRecord, id, engine, user_ids, status, tags)

namespace {

constexpr char kUserKind[] = "user";
constexpr char kUserGroupKind[] = "user-group";
// ElastiCache's default quotas.
constexpr size_t kMaxUsers = 1000;
constexpr size_t kMaxUsersPerGroup = 100;

UserRecord DefaultUser() {
  UserRecord user;
  user.id = kDefaultUserId;
  user.name = kDefaultUserName;
  user.access_string = "on ~* &* +@all";
  user.no_password = true;
  return user;
}

template <typename Record>
std::optional<Record> FindIn(const std::map<std::string, Record>& records, const std::string& id) {
  auto it = records.find(id);
  return it == records.end() ? std::nullopt : std::optional(it->second);
}

template <typename Record>
std::vector<Record> ValuesOf(const std::map<std::string, Record>& records) {
  std::vector<Record> all;
  all.reserve(records.size());
  for (const auto& [id, record] : records) {
    all.push_back(record);
  }
  return all;
}

ApiError StoreFailure(const absl::Status& s) {
  return ApiError{500, "InternalFailure", std::string(s.message()), false};
}

}  // namespace

ApiError UserNotFound(const std::string& id) {
  return ApiError{404, "UserNotFound", "User " + id + " not found."};
}

ApiError UserGroupNotFound(const std::string& id) {
  return ApiError{404, "UserGroupNotFound", "User group " + id + " not found."};
}

std::vector<std::string> UserRecord::AclRules() const {
  std::vector<std::string> rules = {"reset"};
  if (no_password) {
    rules.push_back("nopass");
  }
  for (const std::string& password : passwords) {
    rules.push_back(">" + password);
  }
  for (std::string_view word : common::Split(access_string, ' ')) {
    if (!word.empty()) {
      rules.emplace_back(word);
    }
  }
  return rules;
}

std::optional<ApiError> CheckUserPassword(const std::string& password) {
  if (!IsValidSecret(password)) {
    return InvalidValue(
        "Invalid password: it must be 16 to 128 printable characters, without spaces, ', \", / "
        "or @.");
  }
  return std::nullopt;
}

std::optional<ApiError> CheckAccessString(const std::string& access) {
  // Redis 7.0's commands and categories, which every node's ACL knows.
  static const security::AclCommandCatalog catalog = [] {
    security::AclCommandCatalog c;
    c.AddReferenceCommands();
    return c;
  }();
  security::AclUser probe("probe", catalog, /*all_channels_by_default=*/false);
  bool any = false;
  for (std::string_view word : common::Split(access, ' ')) {
    if (word.empty()) {
      continue;
    }
    any = true;
    const std::string lower = common::ToLower(word);
    const bool rule = lower == "on" || lower == "off" || lower == "allkeys" ||
                      lower == "allchannels" || lower == "allcommands" || lower == "nocommands" ||
                      lower == "resetkeys" || lower == "resetchannels" || word.front() == '~' ||
                      word.front() == '&' || word.front() == '+' || word.front() == '-' ||
                      lower.starts_with("%r~") || lower.starts_with("%w~") ||
                      lower.starts_with("%rw~");
    if (!rule || word.size() == 1) {
      return InvalidValue("Invalid access string: '" + std::string(word) +
                          "' is not a key, channel or command rule (passwords are set with "
                          "Passwords or NoPasswordRequired).");
    }
    // As a node will read it: a command or category no node knows would be accepted here and
    // refused by every node (ACL SETUSER, and the user line of a restarted node's config).
    if (security::AclRuleError error =
            probe.Apply(word, catalog, /*all_channels_by_default=*/false);
        error != security::AclRuleError::kNone) {
      return InvalidValue("Invalid access string: '" + std::string(word) +
                          "': " + std::string(security::AclRuleErrorText(error)));
    }
  }
  if (!any) {
    return InvalidValue("The access string is empty.");
  }
  return std::nullopt;
}

Users::Users(StateStore& store) : store_(store) {
  users_[kDefaultUserId] = DefaultUser();
}

absl::Status Users::Load() {
  std::lock_guard lock(mu_);
  auto id_of = [](const auto& record) { return record.id; };
  if (absl::Status s = LoadRecords(store_, kUserKind, id_of, &users_); !s.ok()) {
    return s;
  }
  users_[kDefaultUserId] = DefaultUser();
  return LoadRecords(store_, kUserGroupKind, id_of, &groups_);
}

absl::Status Users::SaveUserLocked(const UserRecord& user) {
  return SaveRecord(store_, kUserKind, user.id, user);
}

absl::Status Users::SaveGroupLocked(const UserGroupRecord& group) {
  return SaveRecord(store_, kUserGroupKind, group.id, group);
}

std::vector<std::string> Users::GroupsOfUserLocked(const std::string& id) const {
  std::vector<std::string> found;
  for (const auto& [group_id, group] : groups_) {
    if (std::find(group.user_ids.begin(), group.user_ids.end(), id) != group.user_ids.end()) {
      found.push_back(group_id);
    }
  }
  return found;
}

void Users::NotifyChanged(const std::vector<std::string>& group_ids) const {
  if (group_changed_) {
    for (const std::string& id : group_ids) {
      group_changed_(id);
    }
  }
}

std::optional<ApiError> Users::CreateUser(UserRecord draft, UserRecord* created) {
  if (draft.name == kServiceUserName) {
    return InvalidValue("The user name " + draft.name + " is reserved for the control plane.");
  }
  std::lock_guard lock(mu_);
  if (users_.count(draft.id) > 0) {
    return ApiError{400, "UserAlreadyExists", "User " + draft.id + " already exists."};
  }
  if (users_.size() >= kMaxUsers) {
    return ApiError{400, "UserQuotaExceeded", "The quota of users has been reached."};
  }
  if (absl::Status s = SaveUserLocked(draft); !s.ok()) {
    return StoreFailure(s);
  }
  *created = draft;
  users_[draft.id] = std::move(draft);
  return std::nullopt;
}

std::optional<ApiError> Users::ModifyUser(const std::string& id, const UserChange& change,
                                          UserRecord* modified) {
  std::vector<std::string> affected;
  {
    std::lock_guard lock(mu_);
    auto it = users_.find(id);
    if (it == users_.end()) {
      return UserNotFound(id);
    }
    if (id == kDefaultUserId) {
      return InvalidValue(
          "The user default cannot be modified: create a user whose user name is default.");
    }
    UserRecord user = it->second;
    if (change.access_string) {
      user.access_string = *change.access_string;
    }
    if (change.append_access_string) {
      user.access_string += " " + *change.append_access_string;
    }
    if (change.passwords) {
      user.passwords = *change.passwords;
      user.no_password = false;
    }
    if (change.no_password) {
      user.no_password = *change.no_password;
      if (user.no_password) {
        user.passwords.clear();
      } else if (user.passwords.empty()) {
        return InvalidCombination("A user that requires a password needs Passwords.");
      }
    }
    if (absl::Status s = SaveUserLocked(user); !s.ok()) {
      return StoreFailure(s);
    }
    it->second = user;
    *modified = std::move(user);
    affected = GroupsOfUserLocked(id);
  }
  NotifyChanged(affected);
  return std::nullopt;
}

std::optional<ApiError> Users::DeleteUser(const std::string& id, UserRecord* deleted) {
  std::vector<std::string> affected;
  {
    std::lock_guard lock(mu_);
    auto it = users_.find(id);
    if (it == users_.end()) {
      return UserNotFound(id);
    }
    if (id == kDefaultUserId) {
      return InvalidValue("The user default cannot be deleted.");
    }
    affected = GroupsOfUserLocked(id);
    if (it->second.name == kDefaultUserName && !affected.empty()) {
      return ApiError{400, "DefaultUserAssociatedToUserGroup",
                      "User " + id + " is the default user of user group " + affected.front() +
                          ": add another default user to it first."};
    }
    for (const std::string& group_id : affected) {
      UserGroupRecord& group = groups_[group_id];
      std::erase(group.user_ids, id);
      if (absl::Status s = SaveGroupLocked(group); !s.ok()) {
        return StoreFailure(s);
      }
    }
    if (absl::Status s = store_.DeleteResource(kUserKind, id); !s.ok()) {
      return StoreFailure(s);
    }
    *deleted = it->second;
    deleted->status = "deleting";
    users_.erase(it);
  }
  NotifyChanged(affected);
  return std::nullopt;
}

template <typename Record>
std::optional<ApiError> Users::ChangeTagsLocked(std::map<std::string, Record>& records,
                                                const std::string& id,
                                                const std::vector<TagRecord>& add,
                                                const std::vector<std::string>& remove,
                                                std::vector<TagRecord>* after) {
  auto it = records.find(id);
  if (it == records.end()) {
    return std::is_same_v<Record, UserRecord> ? UserNotFound(id) : UserGroupNotFound(id);
  }
  Record updated = it->second;
  ChangeTags(&updated.tags, add, remove);
  if (updated.tags.size() > 50) {
    return ApiError{400, "TagQuotaPerResourceExceeded", "A resource has at most 50 tags."};
  }
  absl::Status s;
  if constexpr (std::is_same_v<Record, UserRecord>) {
    s = SaveUserLocked(updated);
  } else {
    s = SaveGroupLocked(updated);
  }
  if (!s.ok()) {
    return StoreFailure(s);
  }
  *after = updated.tags;
  it->second = std::move(updated);
  return std::nullopt;
}

std::optional<ApiError> Users::ChangeUserTags(const std::string& id,
                                              const std::vector<TagRecord>& add,
                                              const std::vector<std::string>& remove,
                                              std::vector<TagRecord>* after) {
  std::lock_guard lock(mu_);
  return ChangeTagsLocked(users_, id, add, remove, after);
}

std::optional<ApiError> Users::ChangeUserGroupTags(const std::string& id,
                                                   const std::vector<TagRecord>& add,
                                                   const std::vector<std::string>& remove,
                                                   std::vector<TagRecord>* after) {
  std::lock_guard lock(mu_);
  return ChangeTagsLocked(groups_, id, add, remove, after);
}

std::optional<UserRecord> Users::FindUser(const std::string& id) const {
  std::lock_guard lock(mu_);
  return FindIn(users_, id);
}

std::vector<UserRecord> Users::AllUsers() const {
  std::lock_guard lock(mu_);
  return ValuesOf(users_);
}

std::optional<ApiError> Users::CheckMembersLocked(const std::vector<std::string>& user_ids) const {
  if (user_ids.size() > kMaxUsersPerGroup) {
    return InvalidValue("A user group has at most 100 users.");
  }
  std::vector<std::string> names;
  for (const std::string& user_id : user_ids) {
    auto it = users_.find(user_id);
    if (it == users_.end()) {
      return UserNotFound(user_id);
    }
    if (std::find(names.begin(), names.end(), it->second.name) != names.end()) {
      return ApiError{400, "DuplicateUserName",
                      "Two users of the group have the user name " + it->second.name + "."};
    }
    names.push_back(it->second.name);
  }
  if (std::find(names.begin(), names.end(), kDefaultUserName) == names.end()) {
    return ApiError{400, "DefaultUserRequired",
                    "A user group needs a user whose user name is default."};
  }
  return std::nullopt;
}

std::optional<ApiError> Users::CreateUserGroup(UserGroupRecord draft, UserGroupRecord* created) {
  std::lock_guard lock(mu_);
  if (groups_.count(draft.id) > 0) {
    return ApiError{400, "UserGroupAlreadyExists", "User group " + draft.id + " already exists."};
  }
  if (std::optional<ApiError> error = CheckMembersLocked(draft.user_ids)) {
    return error;
  }
  if (absl::Status s = SaveGroupLocked(draft); !s.ok()) {
    return StoreFailure(s);
  }
  *created = draft;
  groups_[draft.id] = std::move(draft);
  return std::nullopt;
}

std::optional<ApiError> Users::ModifyUserGroup(const std::string& id,
                                               const std::vector<std::string>& add,
                                               const std::vector<std::string>& remove,
                                               UserGroupRecord* modified) {
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      return UserGroupNotFound(id);
    }
    UserGroupRecord group = it->second;
    for (const std::string& user_id : remove) {
      if (std::find(group.user_ids.begin(), group.user_ids.end(), user_id) ==
          group.user_ids.end()) {
        return InvalidValue("User " + user_id + " is not in user group " + id + ".");
      }
      std::erase(group.user_ids, user_id);
    }
    for (const std::string& user_id : add) {
      if (std::find(group.user_ids.begin(), group.user_ids.end(), user_id) !=
          group.user_ids.end()) {
        return InvalidValue("User " + user_id + " is already in user group " + id + ".");
      }
      group.user_ids.push_back(user_id);
    }
    if (std::optional<ApiError> error = CheckMembersLocked(group.user_ids)) {
      return error;
    }
    if (absl::Status s = SaveGroupLocked(group); !s.ok()) {
      return StoreFailure(s);
    }
    it->second = group;
    *modified = std::move(group);
  }
  NotifyChanged({id});
  return std::nullopt;
}

std::optional<ApiError> Users::DeleteUserGroup(const std::string& id, UserGroupRecord* deleted) {
  // Asked before taking the lock: the replication groups' lock comes first (they read members
  // under it), never after this one.
  const std::vector<std::string> users = ReplicationGroupsOf(id);
  std::lock_guard lock(mu_);
  auto it = groups_.find(id);
  if (it == groups_.end()) {
    return UserGroupNotFound(id);
  }
  if (!users.empty()) {
    return ApiError{400, "InvalidUserGroupState",
                    "User group " + id + " is in use by replication group " + users.front() + "."};
  }
  if (absl::Status s = store_.DeleteResource(kUserGroupKind, id); !s.ok()) {
    return StoreFailure(s);
  }
  *deleted = it->second;
  deleted->status = "deleting";
  groups_.erase(it);
  return std::nullopt;
}

std::optional<UserGroupRecord> Users::FindUserGroup(const std::string& id) const {
  std::lock_guard lock(mu_);
  return FindIn(groups_, id);
}

std::vector<UserGroupRecord> Users::AllUserGroups() const {
  std::lock_guard lock(mu_);
  return ValuesOf(groups_);
}

std::vector<std::string> Users::GroupsOfUser(const std::string& id) const {
  std::lock_guard lock(mu_);
  return GroupsOfUserLocked(id);
}

std::vector<std::string> Users::ReplicationGroupsOf(const std::string& id) const {
  return replication_groups_of_ ? replication_groups_of_(id) : std::vector<std::string>();
}

std::vector<UserRecord> Users::MembersOf(const std::string& id) const {
  std::lock_guard lock(mu_);
  std::vector<UserRecord> members;
  auto it = groups_.find(id);
  if (it == groups_.end()) {
    return members;
  }
  for (const std::string& user_id : it->second.user_ids) {
    if (auto user = users_.find(user_id); user != users_.end()) {
      members.push_back(user->second);
    }
  }
  return members;
}

}  // namespace redoubt::control
