// Users, authentication, aclfile loading and credential usage.
#include "security/acl_registry.h"

#include <algorithm>

#include "common/check.h"
#include "common/clock.h"

namespace redoubt::security {
namespace {

std::vector<std::string_view> SplitOnSpaces(std::string_view line) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start <= line.size()) {
    size_t space = line.find(' ', start);
    if (space == std::string_view::npos) {
      space = line.size();
    }
    words.push_back(line.substr(start, space - start));
    start = space + 1;
  }
  return words;
}

std::string_view Trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) {
    return {};
  }
  size_t e = s.find_last_not_of(chars);
  return s.substr(b, e - b + 1);
}

}  // namespace

CredentialLease::CredentialLease(std::shared_ptr<CredentialUsage> usage)
    : usage_(std::move(usage)) {
  if (usage_) {
    usage_->connected.fetch_add(1, std::memory_order_relaxed);
  }
}

CredentialLease::~CredentialLease() {
  if (usage_) {
    usage_->connected.fetch_sub(1, std::memory_order_relaxed);
  }
}

CredentialLease::CredentialLease(CredentialLease&& other) noexcept
    : usage_(std::move(other.usage_)) {}

CredentialLease& CredentialLease::operator=(CredentialLease&& other) noexcept {
  if (this != &other) {
    if (usage_) {
      usage_->connected.fetch_sub(1, std::memory_order_relaxed);
    }
    usage_ = std::move(other.usage_);
  }
  return *this;
}

AclRegistry::AclRegistry(std::shared_ptr<const AclCommandCatalog> catalog)
    : catalog_(std::move(catalog)) {
  auto user = std::make_shared<AclUser>("default", *catalog_, false);
  for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) {
    user->Apply(rule, *catalog_, false);
  }
  user->set_uid(next_uid_++);
  users_.emplace("default", std::move(user));
  PublishLocked();
  RefreshCredentialsLocked();
}

void AclRegistry::PublishLocked() {
  auto it = users_.find("default");
  bool requires_auth = it == users_.end() || !it->second->nopass() || !it->second->enabled();
  default_requires_auth_.store(requires_auth, std::memory_order_relaxed);
  version_.fetch_add(1, std::memory_order_release);
}

void AclRegistry::set_all_channels_by_default(bool all) {
  absl::MutexLock lock(&mu_);
  all_channels_by_default_ = all;
}

absl::Status AclRegistry::SetUser(std::string_view name, std::span<const std::string_view> rules) {
  if (!IsValidUserName(name)) {
    return absl::InvalidArgumentError("Usernames can't contain spaces or null characters");
  }
  std::vector<std::string> merged;
  std::string unmatched;
  if (!MergeSelectorArguments(rules, &merged, &unmatched)) {
    return absl::InvalidArgumentError("Unmatched parenthesis in acl selector starting at '" +
                                      unmatched + "'.");
  }
  absl::MutexLock lock(&mu_);
  auto it = users_.find(name);
  std::shared_ptr<AclUser> user =
      it != users_.end()
          ? std::make_shared<AclUser>(*it->second)
          : std::make_shared<AclUser>(std::string(name), *catalog_, all_channels_by_default_);
  for (const std::string& rule : merged) {
    AclRuleError e = user->Apply(rule, *catalog_, all_channels_by_default_);
    if (e != AclRuleError::kNone) {
      return absl::InvalidArgumentError("Error in ACL SETUSER modifier '" + rule +
                                        "': " + std::string(AclRuleErrorText(e)));
    }
  }
  std::string key(name);
  std::vector<std::string> before = ForgetCredentialsLocked(key);
  std::vector<std::string> after = LearnCredentialsLocked(key, *user);
  ids_.Replace(before, after, common::UnixMillis());
  if (it == users_.end()) {
    user->set_uid(next_uid_++);
    users_.emplace(std::move(key), std::move(user));
  } else {
    it->second = std::move(user);
  }
  PublishLocked();
  return absl::OkStatus();
}

absl::StatusOr<int> AclRegistry::DeleteUsers(std::span<const std::string_view> names) {
  absl::MutexLock lock(&mu_);
  for (std::string_view name : names) {
    if (name == "default") {
      return absl::InvalidArgumentError("The 'default' user cannot be removed");
    }
  }
  int deleted = 0;
  for (std::string_view name : names) {
    auto it = users_.find(name);
    if (it != users_.end()) {
      ids_.Replace(ForgetCredentialsLocked(it->first), {}, common::UnixMillis());
      users_.erase(it);
      ++deleted;
    }
  }
  if (deleted > 0) {
    PublishLocked();
  }
  return deleted;
}

std::shared_ptr<const AclUser> AclRegistry::Find(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const AclUser>> AclRegistry::Users() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<const AclUser>> out;
  out.reserve(users_.size());
  for (const auto& [name, user] : users_) {
    out.push_back(user);
  }
  return out;
}

void AclRegistry::SetDefaultPassword(std::string_view password) {
  std::string rule = password.empty() ? "nopass" : ">" + std::string(password);
  std::string_view rules[] = {"resetpass", rule};
  (void)SetUser("default", rules);
}

std::shared_ptr<CredentialUsage> AclRegistry::UsageLocked(const std::string& user,
                                                          const std::string& id) {
  auto& slot = usage_[{user, id}];
  if (!slot) {
    slot = std::make_shared<CredentialUsage>();
    slot->user = user;
    slot->id = id;
  }
  return slot;
}

std::vector<std::string> AclRegistry::ForgetCredentialsLocked(const std::string& name) {
  std::vector<std::string> keys;
  if (auto it = nopass_keys_.find(name); it != nopass_keys_.end()) {
    keys.push_back(std::move(it->second));
    nopass_keys_.erase(it);
  }
  // The all-zero hash sorts first, so this is the user's first password, if any.
  auto it = password_ids_.lower_bound({name, PasswordHash{}});
  while (it != password_ids_.end() && it->first.first == name) {
    keys.push_back(std::move(it->second));
    it = password_ids_.erase(it);
  }
  return keys;
}

std::vector<std::string> AclRegistry::LearnCredentialsLocked(const std::string& name,
                                                             const AclUser& user) {
  std::vector<std::string> keys;
  if (user.nopass()) {
    keys.push_back(ids_.Id(name, "nopass"));
    nopass_keys_.emplace(name, keys.back());
  }
  for (const PasswordHash& h : user.passwords()) {
    keys.push_back(
        ids_.Id(name, std::string_view(reinterpret_cast<const char*>(h.data()), h.size())));
    password_ids_.emplace(std::make_pair(name, h), keys.back());
  }
  return keys;
}

void AclRegistry::RefreshCredentialsLocked() {
  password_ids_.clear();
  nopass_keys_.clear();
  std::vector<std::string> all;
  for (const auto& [name, user] : users_) {
    std::vector<std::string> keys = LearnCredentialsLocked(name, *user);
    all.insert(all.end(), std::make_move_iterator(keys.begin()),
               std::make_move_iterator(keys.end()));
  }
  ids_.Retain(all, common::UnixMillis());
}

const std::string& AclRegistry::PasswordIdLocked(const std::string& user,
                                                 const PasswordHash& hash) const {
  auto it = password_ids_.find({user, hash});
  // Refreshed after every change to users_, so every configured password is there.
  REDOUBT_CHECK(it != password_ids_.end());
  return it->second;
}

int64_t AclRegistry::NopassAddedLocked(const std::string& user) const {
  auto it = nopass_keys_.find(user);
  return it == nopass_keys_.end() ? 0 : ids_.AddedMs(it->second);
}

void AclRegistry::PersistCredentialState() {
  ids_.PersistOrWarn();
}

absl::Status AclRegistry::AttachCredentialState(std::string path) {
  absl::Status loaded;
  {
    absl::MutexLock lock(&mu_);
    loaded = ids_.Load(std::move(path));
    // The secret may have changed: every id is computed again.
    RefreshCredentialsLocked();
  }
  absl::Status written = ids_.Persist();
  if (written.ok()) {
    return loaded.ok() ? loaded
                       : absl::Status(loaded.code(), std::string(loaded.message()) +
                                                         "; replaced by a new one, so credential "
                                                         "ids are not those shown before");
  }
  std::string message = loaded.ok() ? "" : std::string(loaded.message()) + "; ";
  message += std::string(written.message());
  message += ids_.loaded_from_file()
                 ? "; credential ids stay as recorded there, but credentials added from now on "
                   "get a new added time at restart"
                 : "; running with a secret of this process only: credential ids change at "
                   "restart";
  return absl::Status(written.code(), message);
}

AuthResult AclRegistry::Succeed(std::shared_ptr<const AclUser> user, const std::string& credential,
                                int64_t added_ms, int64_t now_ms) {
  AuthResult r;
  r.credential = UsageLocked(user->name(), credential);
  r.credential->added_ms = added_ms;
  r.credential->successes.fetch_add(1, std::memory_order_relaxed);
  r.credential->last_used_ms.store(now_ms, std::memory_order_relaxed);
  r.user = std::move(user);
  return r;
}

AuthResult AclRegistry::Authenticate(std::string_view name, std::string_view password,
                                     int64_t now_ms) {
  // Hashed before taking the lock: a long password costs the caller, not other threads.
  PasswordHash presented = HashPassword(password);
  absl::MutexLock lock(&mu_);
  AuthResult refused;
  const std::shared_ptr<const AclUser>* found = EnabledUserLocked(name, &refused.refusal);
  if (found == nullptr) {
    return refused;
  }
  const std::shared_ptr<const AclUser>& user = *found;
  if (user->cert_only()) {
    refused.refusal = "user requires a client certificate";
    return refused;
  }
  if (user->nopass()) {
    return Succeed(user, "nopass", NopassAddedLocked(user->name()), now_ms);
  }
  // Every stored hash is compared, each in constant time, so the time taken does not tell
  // which (or whether any) password matched.
  const PasswordHash* matched = nullptr;
  for (const PasswordHash& h : user->passwords()) {
    if (ConstantTimeEquals(h, presented) && matched == nullptr) {
      matched = &h;
    }
  }
  if (matched == nullptr) {
    refused.refusal = "wrong password";
    return refused;
  }
  const std::string& id = PasswordIdLocked(user->name(), *matched);
  return Succeed(user, id, ids_.AddedMs(id), now_ms);
}

AuthResult AclRegistry::AuthenticateCertificate(std::string_view name, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  AuthResult refused;
  const std::shared_ptr<const AclUser>* user = EnabledUserLocked(name, &refused.refusal);
  if (user == nullptr) {
    return refused;
  }
  return Succeed(*user, "certificate", 0, now_ms);
}

const std::shared_ptr<const AclUser>* AclRegistry::EnabledUserLocked(std::string_view name,
                                                                     std::string* refusal) const {
  auto it = users_.find(name);
  if (it == users_.end()) {
    *refusal = "no such user";
    return nullptr;
  }
  if (!it->second->enabled()) {
    *refusal = "user is disabled";
    return nullptr;
  }
  return &it->second;
}

AuthResult AclRegistry::DefaultWithoutPassword() {
  absl::MutexLock lock(&mu_);
  AuthResult r;
  auto it = users_.find("default");
  if (it != users_.end()) {
    r.user = it->second;
    // Counted as connected, not as an authentication: nobody presented anything.
    r.credential = UsageLocked("default", "nopass");
    r.credential->added_ms = NopassAddedLocked("default");
  }
  return r;
}

absl::Status AclRegistry::LoadUserLines(std::span<const std::string> lines, std::string_view source,
                                        std::vector<std::string>* changed) {
  // Redis 7.0's ACLLoadFromFile: every line is checked and all errors are reported together;
  // nothing changes unless the whole file is good.
  absl::MutexLock lock(&mu_);
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> loaded;
  std::vector<std::string> seen;  // every name declared, even by a line that failed
  std::string errors;
  int line_no = 0;
  for (const std::string& raw : lines) {
    ++line_no;
    std::string_view line = Trim(raw, " \t\r\n");
    // Blank lines are skipped; comments are not allowed (as in Redis, whose aclfile must load
    // in both servers).
    if (line.empty()) {
      continue;
    }
    std::string where = std::string(source) + ":" + std::to_string(line_no);
    std::vector<std::string_view> words = SplitOnSpaces(line);
    if (words[0] != "user" || words.size() < 2) {
      errors += where + " should start with user keyword followed by the username. ";
      continue;
    }
    std::string name(words[1]);
    if (!IsValidUserName(name)) {
      errors += "'" + where + ": username '" + name + "' contains invalid characters. ";
      continue;
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      errors +=
          "WARNING: Duplicate user '" + name + "' found on line " + std::to_string(line_no) + ". ";
      continue;
    }
    seen.push_back(name);
    std::vector<std::string> merged;
    std::string unmatched;
    if (!MergeSelectorArguments(std::span(words).subspan(2), &merged, &unmatched)) {
      errors += where + ": Unmatched parenthesis in selector definition.";
      continue;
    }
    auto user = std::make_shared<AclUser>(name, *catalog_, all_channels_by_default_);
    bool reported = false;
    bool failed = false;
    for (const std::string& rule : merged) {
      AclRuleError e = user->Apply(Trim(rule, "\t\r\n"), *catalog_, all_channels_by_default_);
      if (e == AclRuleError::kNone) {
        continue;
      }
      failed = true;
      if (e == AclRuleError::kUnknownCommand) {
        errors += where + ": Error in applying operation '" + rule +
                  "': " + std::string(AclRuleErrorText(e)) + ". ";
      } else if (!reported) {
        // Only the first such error: it may explain the ones after it, and it must not echo
        // more of a line that may hold passwords.
        errors += where + ": " + std::string(AclRuleErrorText(e)) + ". ";
        reported = true;
      }
    }
    if (!failed) {
      loaded.emplace(name, std::move(user));
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        errors +
        "WARNING: ACL errors detected, no change to the previously active ACL rules was "
        "performed");
  }
  if (!loaded.contains("default")) {
    auto user = std::make_shared<AclUser>("default", *catalog_, false);
    for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) {
      user->Apply(rule, *catalog_, false);
    }
    loaded.emplace("default", std::move(user));
  }
  // Users whose definition is unchanged keep their identity, so their connections stay.
  for (auto& [name, user] : loaded) {
    auto old = users_.find(name);
    auto mutable_user = std::const_pointer_cast<AclUser>(user);
    // The default user keeps its identity whatever changed (Redis copies the new definition
    // into the old default user), so loading never closes the default user's connections.
    if (old != users_.end() &&
        (name == "default" || old->second->Describe(*catalog_) == user->Describe(*catalog_))) {
      mutable_user->set_uid(old->second->uid());
    } else {
      mutable_user->set_uid(next_uid_++);
      if (old != users_.end() && changed != nullptr) {
        changed->push_back(name);
      }
    }
  }
  for (const auto& [name, user] : users_) {
    if (!loaded.contains(name) && changed != nullptr) {
      changed->push_back(name);
    }
  }
  users_ = std::move(loaded);
  PublishLocked();
  RefreshCredentialsLocked();
  return absl::OkStatus();
}

std::string AclRegistry::Serialize() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, user] : users_) {
    out += "user " + name + " " + user->Describe(*catalog_) + "\n";
  }
  return out;
}

std::vector<CredentialRow> AclRegistry::CredentialRows() const {
  absl::MutexLock lock(&mu_);
  std::vector<CredentialRow> rows;
  auto row = [&](const std::string& user, const std::string& id, bool current, int64_t added)
                 ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                   CredentialRow r;
                   r.user = user;
                   r.id = id;
                   r.current = current;
                   r.added_ms = added;
                   auto it = usage_.find({user, id});
                   if (it != usage_.end()) {
                     r.connected = it->second->connected.load(std::memory_order_relaxed);
                     r.successes = it->second->successes.load(std::memory_order_relaxed);
                     r.last_used_ms = it->second->last_used_ms.load(std::memory_order_relaxed);
                   }
                   if (current || r.connected > 0) {
                     rows.push_back(std::move(r));
                   }
                 };
  for (const auto& [name, user] : users_) {
    std::vector<std::string> current;
    if (user->nopass()) {
      current.push_back("nopass");
      row(name, "nopass", true, NopassAddedLocked(name));
    }
    for (const PasswordHash& h : user->passwords()) {
      const std::string& id = PasswordIdLocked(name, h);
      current.push_back(id);
      row(name, id, true, ids_.AddedMs(id));
    }
    // Credentials no longer configured that connected clients still hold: a removed
    // password, or a certificate login.
    for (const auto& [key, usage] : usage_) {
      if (key.first == name &&
          std::find(current.begin(), current.end(), key.second) == current.end()) {
        row(name, key.second, key.second == "certificate", usage->added_ms);
      }
    }
  }
  return rows;
}

}  // namespace redoubt::security
