// An ACL user: on/off, passwords (SHA-256 only), nopass, payload-sanitising flags, our
// cert-only flag, and its selectors (root first). Rules are applied as Redis 7.0's
// ACLSetUser does; Describe() is the ACL LIST line without "user <name> ".
//
// cert-only (ours, not Redis's): the user can be reached only through a verified client
// certificate whose Common Name is the user's name (tls-auth-clients-user CN); AUTH and
// HELLO AUTH with its password are refused as a wrong password would be. It closes the gap
// where a user meant for certificate holders is also reachable by anyone who learns a
// password. `reset` clears it, as it clears every flag.
//
// Thread: a plain value; AclRegistry copies, changes and swaps users whole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "security/acl_selector.h"
#include "security/password_hash.h"

namespace redoubt::security {

class AclUser {
 public:
  // A new user as ACL SETUSER creates it: off, no password, no commands, no keys, and
  // channels per acl-pubsub-default.
  AclUser(std::string name, const AclCommandCatalog& catalog, bool all_channels_by_default);

  AclRuleError Apply(std::string_view rule, const AclCommandCatalog& catalog,
                     bool all_channels_by_default);

  // The most relevant refusal over all selectors, as Redis's ACLCheckAllUserCommandPerm:
  // allowed if any selector allows; else the "deepest" failure (command < key < channel).
  AclVerdict Check(const AclRequest& request, size_t* denied_key) const;
  bool unrestricted() const { return root_.unrestricted(); }
  // Whether some selector allows every channel.
  bool all_channels() const;
  // Whether the channel rules of any selector allow `use`: what a subscription must still
  // satisfy after the user changes, or its client is closed (Redis's
  // ACLKillPubsubClientsIfNeeded checks against the union of the selectors' channels).
  bool AnySelectorAllowsChannel(const AclChannelUse& use) const;

  // "on nopass ~* &* +@all (~x resetchannels -@all +get)"
  std::string Describe(const AclCommandCatalog& catalog) const;
  // "on", "nopass", … as ACL GETUSER lists them.
  std::vector<std::string_view> FlagNames() const;

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  bool cert_only() const { return cert_only_; }
  const std::vector<PasswordHash>& passwords() const { return passwords_; }
  const AclSelector& root() const { return root_; }
  const std::vector<AclSelector>& selectors() const { return selectors_; }
  // Same identity across changes to the user; a new one when it is deleted and created again.
  uint64_t uid() const { return uid_; }
  void set_uid(uint64_t uid) { uid_ = uid; }

 private:
  enum class Sanitize : uint8_t { kUnset, kSanitize, kSkip };

  std::string name_;
  uint64_t uid_ = 0;
  bool enabled_ = false;
  bool nopass_ = false;
  bool cert_only_ = false;
  Sanitize sanitize_ = Sanitize::kUnset;
  std::vector<PasswordHash> passwords_;
  AclSelector root_;
  std::vector<AclSelector> selectors_;
};

// "Usernames can't contain spaces or null characters", as Redis refuses them.
bool IsValidUserName(std::string_view name);

// Joins arguments that form one selector ("(~x", "+get)") into one rule, as Redis's
// ACLMergeSelectorArguments. On an unclosed '(' returns false and sets *unmatched to the
// argument that opened it.
bool MergeSelectorArguments(std::span<const std::string_view> args, std::vector<std::string>* out,
                            std::string* unmatched);

}  // namespace redoubt::security
