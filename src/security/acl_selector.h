// One ACL selector: which commands (a permission bit per command id, plus Redis's "first
// argument" exceptions such as +select|0), which keys (glob patterns with read/write flags)
// and which channels a user may use. A user has a root selector and any number of extra ones
// ("(~temp:* +get)"); a command is allowed when any selector allows it. Rules and their
// descriptions follow Redis 7.0's acl.c, so ACL LIST, ACL GETUSER and ACL SAVE print what
// Redis prints for the same rules.
//
// Thread: a plain value. Users are copied, changed and swapped whole (AclRegistry), so a
// selector that a connection can see is never written.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "security/acl_command_catalog.h"

namespace redoubt::security {

// Why a rule was refused, in Redis's words (ACLSetUserStringError).
enum class AclRuleError {
  kNone,
  kUnknownCommand,   // ENOENT
  kSyntax,           // EINVAL
  kKeyAfterAll,      // EEXIST
  kChannelAfterAll,  // EISDIR
  kNoSuchPassword,   // ENODEV
  kBadHash,          // EBADMSG
  kDuplicateUser,    // EALREADY
  kSubcommandArg,    // ECHILD
};
std::string_view AclRuleErrorText(AclRuleError error);

// Key permission flags, as %R~ / %W~ / %RW~ (or ~) patterns grant them and commands need them.
enum AclKeyFlag : uint8_t { kAclKeyRead = 1, kAclKeyWrite = 2, kAclKeyAll = 3 };

struct AclKeyPattern {
  std::string pattern;
  uint8_t flags = kAclKeyAll;
  // "app:*" and the like (one trailing '*', no other glob character): matched by a prefix
  // comparison, the common shape of key patterns, instead of the general glob.
  bool prefix_only = false;
  bool operator==(const AclKeyPattern&) const = default;
};

// A key a command touches and the access it needs (0: neither, as EXISTS and TYPE).
struct AclKeyUse {
  std::string_view key;
  uint8_t flags = 0;
};

// A channel a command publishes to or subscribes to; `pattern` for PSUBSCRIBE's, which an ACL
// channel rule allows only when it is the very same pattern (Redis's ACLCheckChannelAgainstList).
struct AclChannelUse {
  std::string_view name;
  bool pattern = false;
};

enum class AclVerdict { kAllowed, kDeniedCommand, kDeniedKey, kDeniedChannel };

struct AclRequest {
  const AclCommand* command = nullptr;     // the resolved command or subcommand
  std::span<const std::string_view> args;  // args[0] is the command name
  std::span<const AclKeyUse> keys;
  std::span<const AclChannelUse> channels;
};

class AclSelector {
 public:
  // A selector that allows nothing, with bitmaps sized for the catalog.
  explicit AclSelector(const AclCommandCatalog& catalog);

  // Applies one selector rule ("~pat", "+get", "-@write", "allkeys", …). On error the
  // selector may be partly changed: callers apply rules to a copy.
  AclRuleError Apply(std::string_view rule, const AclCommandCatalog& catalog);

  // Allowed, or which check failed; *denied_key is the index in request.keys of the key
  // that failed (for ACL LOG and DRYRUN), or in request.channels of the channel.
  AclVerdict Check(const AclRequest& request, size_t* denied_key) const;
  // Whether this selector's channel rules allow `use`.
  bool ChannelAllowed(const AclChannelUse& use) const;
  bool all_channels() const { return all_channels_; }
  const std::vector<std::string>& channels() const { return channels_; }

  // "~a %R~b resetchannels -@all +get": what ACL LIST prints for this selector.
  std::string Describe(const AclCommandCatalog& catalog) const;
  // The parts ACL GETUSER returns separately.
  std::string DescribeCommands(const AclCommandCatalog& catalog) const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;

  // All commands and all keys: the check can be skipped (the common case, the default user).
  bool unrestricted() const { return all_commands_ && all_keys_; }
  bool operator==(const AclSelector&) const = default;

 private:
  bool Bit(int id) const {
    return id >= 0 && static_cast<size_t>(id) < bits_.size() * 64 &&
           ((bits_[id / 64] >> (id % 64)) & 1) != 0;
  }
  void SetBit(int id, bool on);
  void SetAll(bool on);
  // Redis's ACLChangeSelectorPerm: the command and all its subcommands.
  void ChangePermission(const AclCommand& cmd, bool allow);
  void ChangeCategory(uint64_t category, bool allow, const AclCommandCatalog& catalog);
  void CountCategory(uint64_t category, const AclCommandCatalog& catalog, int* on, int* off) const;
  bool KeyAllowed(std::string_view key, uint8_t flags) const;
  // Emits +cmd/-cmd (and +cmd|firstarg) where `fake` still differs from this selector.
  void DescribeSingleCommands(std::span<const int> ids, const AclCommandCatalog& catalog,
                              std::string* rules, AclSelector* fake) const;

  std::vector<uint64_t> bits_;
  // Redis's reserved bit: set only by +@all, so that commands added later are allowed too
  // and the description starts with "+@all".
  bool future_commands_ = false;
  bool all_commands_ = false;  // SELECTOR_FLAG_ALLCOMMANDS: the check may skip the bit test
  bool all_keys_ = false;
  bool all_channels_ = false;
  std::vector<AclKeyPattern> keys_;
  std::vector<std::string> channels_;
  // (command id, allowed first argument) pairs: "+select|0".
  std::vector<std::pair<int, std::string>> first_args_;
};

}  // namespace redoubt::security
