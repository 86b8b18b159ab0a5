// ElastiCache's users and user groups (role-based access control): a user is an ACL user for
// the nodes (its UserName, passwords or none, and an access string of ACL rules), a user group
// a set of users that a replication group names in UserGroupIds; every node of that group then
// has exactly those users (the one named "default" as its default user), and a change of a
// user or of a user group's members reaches every node at once.
//
// Every account starts with the user "default" (user name default, no password, "on ~* &* +@all"),
// which cannot be modified or deleted: a group that should require a password names another
// user whose user name is default. Passwords are kept in the state file (mode 0600), as the
// auth tokens are.
//
// Thread: safe; one mutex guards the records. The change listener (the replication groups,
// which push users to their nodes) is called after it is released.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "control/group_model.h"
#include "control/query_protocol.h"
#include "control/state_store.h"

namespace redoubt::control {

inline constexpr char kDefaultUserId[] = "default";
inline constexpr char kDefaultUserName[] = "default";
// The control plane's own ACL user on every node it creates (replication links and its own
// calls authenticate as it); no ElastiCache user may take its name.
inline constexpr char kServiceUserName[] = "redoubt-service";

inline constexpr char kUserActive[] = "active";
inline constexpr char kUserModifying[] = "modifying";

struct UserRecord {
  std::string id;    // UserId
  std::string name;  // UserName: the ACL user on the nodes
  std::string engine = "redis";
  std::string access_string;  // ACL rules, e.g. "on ~app:* +@read"
  bool no_password = false;   // Authentication type no-password (nopass)
  std::vector<std::string> passwords;
  std::string status = kUserActive;
  std::vector<TagRecord> tags;

  // The ACL SETUSER arguments after the user name that make a node's user exactly this one.
  std::vector<std::string> AclRules() const;
};

// How the passwords of a user other than its newest are still used, over a set of nodes (INFO
// auth's credential rows): the connections authenticated with one, and when one was last used
// (unix seconds; -1: never).
struct OlderPasswordUse {
  int64_t connections = 0;
  int64_t last_used_unix = -1;
};

struct UserGroupRecord {
  std::string id;
  std::string engine = "redis";
  std::vector<std::string> user_ids;
  std::string status = kUserActive;
  std::vector<TagRecord> tags;
};

// A ModifyUser, read and checked against the request alone.
struct UserChange {
  std::optional<std::string> access_string;         // replaces
  std::optional<std::string> append_access_string;  // added after the current one
  std::optional<std::vector<std::string>> passwords;
  std::optional<bool> no_password;
};

// Passwords and access strings as ElastiCache takes them: an error, or nullopt.
std::optional<ApiError> CheckUserPassword(const std::string& password);
// Only key, channel and command rules and on/off: no passwords (>…, nopass, reset…), which the
// API sets separately.
std::optional<ApiError> CheckAccessString(const std::string& access);

class Users {
 public:
  explicit Users(StateStore& store);

  // Reads the stored users and groups; call once, before serving.
  absl::Status Load();

  // Called with a user group's id after the users its members are changed.
  void OnUserGroupChanged(std::function<void(const std::string&)> listener) {
    group_changed_ = std::move(listener);
  }
  // The replication groups naming a user group.
  void SetReplicationGroupsOf(std::function<std::vector<std::string>(const std::string&)> of) {
    replication_groups_of_ = std::move(of);
  }

  std::optional<ApiError> CreateUser(UserRecord draft, UserRecord* created);
  std::optional<ApiError> ModifyUser(const std::string& id, const UserChange& change,
                                     UserRecord* modified);
  // Removes the user from every user group (refused for a user named default that a group
  // has: the group would lose its default user).
  std::optional<ApiError> DeleteUser(const std::string& id, UserRecord* deleted);
  // AddTagsToResource / RemoveTagsFromResource on user or user group id; *after: its tags.
  std::optional<ApiError> ChangeUserTags(const std::string& id, const std::vector<TagRecord>& add,
                                         const std::vector<std::string>& remove,
                                         std::vector<TagRecord>* after);
  std::optional<ApiError> ChangeUserGroupTags(const std::string& id,
                                              const std::vector<TagRecord>& add,
                                              const std::vector<std::string>& remove,
                                              std::vector<TagRecord>* after);
  std::optional<UserRecord> FindUser(const std::string& id) const;
  std::vector<UserRecord> AllUsers() const;  // ordered by id

  std::optional<ApiError> CreateUserGroup(UserGroupRecord draft, UserGroupRecord* created);
  std::optional<ApiError> ModifyUserGroup(const std::string& id,
                                          const std::vector<std::string>& add,
                                          const std::vector<std::string>& remove,
                                          UserGroupRecord* modified);
  std::optional<ApiError> DeleteUserGroup(const std::string& id, UserGroupRecord* deleted);
  std::optional<UserGroupRecord> FindUserGroup(const std::string& id) const;
  std::vector<UserGroupRecord> AllUserGroups() const;  // ordered by id

  // The user groups that have user id, and the replication groups that name user group id.
  std::vector<std::string> GroupsOfUser(const std::string& id) const;
  std::vector<std::string> ReplicationGroupsOf(const std::string& id) const;
  // The members of user group id as the nodes get them (empty when there is no such group).
  std::vector<UserRecord> MembersOf(const std::string& id) const;

 private:
  std::optional<ApiError> CheckMembersLocked(const std::vector<std::string>& user_ids) const;
  absl::Status SaveUserLocked(const UserRecord& user);
  absl::Status SaveGroupLocked(const UserGroupRecord& group);
  std::vector<std::string> GroupsOfUserLocked(const std::string& id) const;
  void NotifyChanged(const std::vector<std::string>& group_ids) const;
  template <typename Record>
  std::optional<ApiError> ChangeTagsLocked(std::map<std::string, Record>& records,
                                           const std::string& id, const std::vector<TagRecord>& add,
                                           const std::vector<std::string>& remove,
                                           std::vector<TagRecord>* after);

  StateStore& store_;
  std::function<void(const std::string&)> group_changed_;
  std::function<std::vector<std::string>(const std::string&)> replication_groups_of_;
  mutable std::mutex mu_;
  std::map<std::string, UserRecord> users_;        // by id
  std::map<std::string, UserGroupRecord> groups_;  // by id
};

ApiError UserNotFound(const std::string& id);
ApiError UserGroupNotFound(const std::string& id);

}  // namespace redoubt::control
