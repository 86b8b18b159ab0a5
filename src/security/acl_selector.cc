// Selector rules, checks and descriptions, following Redis 7.0's ACLSetSelector,
// ACLSelectorCheckCmd and ACLDescribeSelector.
#include "security/acl_selector.h"

#include <algorithm>

#include "common/ascii.h"
#include "common/glob.h"
#include "security/acl_categories.h"

namespace redoubt::security {
namespace {

using common::EqualsIgnoreCase;

}  // namespace

std::string_view AclRuleErrorText(AclRuleError error) {
  switch (error) {
    case AclRuleError::kNone:
      return "";
    case AclRuleError::kUnknownCommand:
      return "Unknown command or category name in ACL";
    case AclRuleError::kSyntax:
      return "Syntax error";
    case AclRuleError::kKeyAfterAll:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
             "not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case AclRuleError::kChannelAfterAll:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
             "does not have any effect. Try 'resetchannels' to start with an empty list of "
             "channels";
    case AclRuleError::kNoSuchPassword:
      return "The password you are trying to remove from the user does not exist";
    case AclRuleError::kBadHash:
      return "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters";
    case AclRuleError::kDuplicateUser:
      return "Duplicate user found. A user can only be defined once in config files";
    case AclRuleError::kSubcommandArg:
      return "Allowing first-arg of a subcommand is not supported";
  }
  return "Syntax error";
}

AclSelector::AclSelector(const AclCommandCatalog& catalog)
    : bits_((catalog.id_limit() + 63) / 64, 0) {}

void AclSelector::SetBit(int id, bool on) {
  if (id < 0) {
    return;
  }
  if (static_cast<size_t>(id) >= bits_.size() * 64) {
    bits_.resize(id / 64 + 1, 0);
  }
  if (on) {
    bits_[id / 64] |= uint64_t{1} << (id % 64);
  } else {
    bits_[id / 64] &= ~(uint64_t{1} << (id % 64));
  }
}

void AclSelector::SetAll(bool on) {
  std::fill(bits_.begin(), bits_.end(), on ? ~uint64_t{0} : 0);
  future_commands_ = on;
  first_args_.clear();
}

void AclSelector::ChangePermission(const AclCommand& cmd, bool allow) {
  SetBit(cmd.id, allow);
  std::erase_if(first_args_, [&](const auto& fa) { return fa.first == cmd.id; });
  for (int sub : cmd.subcommands) {
    SetBit(sub, allow);
  }
}

void AclSelector::ChangeCategory(uint64_t category, bool allow, const AclCommandCatalog& catalog) {
  // As Redis: a container in the category changes with all its subcommands, then each
  // subcommand in the category changes too.
  for (int id : catalog.top_level()) {
    const AclCommand* cmd = catalog.ById(id);
    if (cmd->categories & category) {
      ChangePermission(*cmd, allow);
    }
    for (int sub_id : cmd->subcommands) {
      const AclCommand* sub = catalog.ById(sub_id);
      if (sub->categories & category) {
        ChangePermission(*sub, allow);
      }
    }
  }
}

void AclSelector::CountCategory(uint64_t category, const AclCommandCatalog& catalog, int* on,
                                int* off) const {
  auto count = [&](const AclCommand& cmd) {
    if (cmd.categories & category) {
      ++*(Bit(cmd.id) ? on : off);
    }
  };
  for (int id : catalog.top_level()) {
    const AclCommand* cmd = catalog.ById(id);
    count(*cmd);
    for (int sub : cmd->subcommands) {
      count(*catalog.ById(sub));
    }
  }
}

AclRuleError AclSelector::Apply(std::string_view op, const AclCommandCatalog& catalog) {
  if (op.empty()) {
    return AclRuleError::kSyntax;
  }
  if (EqualsIgnoreCase(op, "allkeys") || op == "~*") {
    all_keys_ = true;
    keys_.clear();
  } else if (EqualsIgnoreCase(op, "resetkeys")) {
    all_keys_ = false;
    keys_.clear();
  } else if (op[0] == '~' || op[0] == '%') {
    if (all_keys_) {
      return AclRuleError::kKeyAfterAll;
    }
    uint8_t flags = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      bool closed = false;
      for (; offset < op.size(); ++offset) {
        char c = static_cast<char>(toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(flags & kAclKeyRead)) {
          flags |= kAclKeyRead;
        } else if (c == 'W' && !(flags & kAclKeyWrite)) {
          flags |= kAclKeyWrite;
        } else if (op[offset] == '~') {
          ++offset;
          closed = true;
          break;
        } else {
          return AclRuleError::kSyntax;
        }
      }
      if (!closed || flags == 0) {
        return AclRuleError::kSyntax;
      }
    } else {
      flags = kAclKeyAll;
    }
    std::string_view pattern = op.substr(offset);
    if (pattern == "*" && flags == kAclKeyAll) {
      all_keys_ = true;
      keys_.clear();
    } else {
      // As Redis: a pattern already present keeps its place and gains the new flags.
      auto same = std::find_if(keys_.begin(), keys_.end(),
                               [&](const AclKeyPattern& k) { return k.pattern == pattern; });
      if (same == keys_.end()) {
        bool prefix_only =
            !pattern.empty() && pattern.back() == '*' &&
            pattern.substr(0, pattern.size() - 1).find_first_of("*?[\\") == std::string_view::npos;
        keys_.push_back({std::string(pattern), flags, prefix_only});
      } else {
        same->flags |= flags;
      }
    }
  } else if (EqualsIgnoreCase(op, "allchannels") || op == "&*") {
    all_channels_ = true;
    channels_.clear();
  } else if (EqualsIgnoreCase(op, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
  } else if (op[0] == '&') {
    if (all_channels_) {
      return AclRuleError::kChannelAfterAll;
    }
    std::string pattern(op.substr(1));
    if (std::find(channels_.begin(), channels_.end(), pattern) == channels_.end()) {
      channels_.push_back(std::move(pattern));
    }
  } else if (EqualsIgnoreCase(op, "allcommands") || EqualsIgnoreCase(op, "+@all")) {
    SetAll(true);
    all_commands_ = true;
  } else if (EqualsIgnoreCase(op, "nocommands") || EqualsIgnoreCase(op, "-@all")) {
    SetAll(false);
    all_commands_ = false;
  } else if (op.size() >= 2 && (op[0] == '+' || op[0] == '-') && op[1] == '@') {
    uint64_t category = FindAclCategory(op.substr(2));
    if (category == 0) {
      return AclRuleError::kUnknownCommand;
    }
    ChangeCategory(category, op[0] == '+', catalog);
    if (op[0] == '-') {
      all_commands_ = false;
    }
  } else if (op[0] == '+') {
    std::string_view name = op.substr(1);
    size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      const AclCommand* cmd = catalog.Find(name);
      if (cmd == nullptr) {
        return AclRuleError::kUnknownCommand;
      }
      ChangePermission(*cmd, true);
      return AclRuleError::kNone;
    }
    const AclCommand* cmd = catalog.Find(name.substr(0, bar));
    if (cmd == nullptr) {
      return AclRuleError::kUnknownCommand;
    }
    if (cmd->parent >= 0) {
      return AclRuleError::kSubcommandArg;
    }
    std::string_view arg = name.substr(bar + 1);
    if (arg.empty()) {
      return AclRuleError::kSyntax;
    }
    if (!cmd->subcommands.empty()) {
      const AclCommand* sub = catalog.Find(name);
      if (sub == nullptr) {
        return AclRuleError::kUnknownCommand;
      }
      ChangePermission(*sub, true);
    } else {
      // Redis's "first argument" exception (+select|0): deprecated there, kept for aclfiles.
      auto entry = std::make_pair(cmd->id, common::ToLower(arg));
      if (std::find(first_args_.begin(), first_args_.end(), entry) == first_args_.end()) {
        first_args_.push_back(std::move(entry));
      }
    }
  } else if (op[0] == '-') {
    const AclCommand* cmd = catalog.Find(op.substr(1));
    if (cmd == nullptr) {
      return AclRuleError::kUnknownCommand;
    }
    ChangePermission(*cmd, false);
    all_commands_ = false;
  } else {
    return AclRuleError::kSyntax;
  }
  return AclRuleError::kNone;
}

bool AclSelector::KeyAllowed(std::string_view key, uint8_t flags) const {
  for (const AclKeyPattern& p : keys_) {
    if ((p.flags & flags) != flags) {
      continue;
    }
    if (p.prefix_only ? key.substr(0, p.pattern.size() - 1) ==
                            std::string_view(p.pattern).substr(0, p.pattern.size() - 1)
                      : common::GlobMatch(p.pattern, key)) {
      return true;
    }
  }
  return false;
}

AclVerdict AclSelector::Check(const AclRequest& request, size_t* denied_key) const {
  if (!all_commands_ && !Bit(request.command->id)) {
    bool first_arg_ok = false;
    if (request.args.size() >= 2) {
      for (const auto& [id, arg] : first_args_) {
        if (id == request.command->id && EqualsIgnoreCase(arg, request.args[1])) {
          first_arg_ok = true;
          break;
        }
      }
    }
    if (!first_arg_ok) {
      return AclVerdict::kDeniedCommand;
    }
  }
  if (!all_keys_) {
    for (size_t i = 0; i < request.keys.size(); ++i) {
      if (!KeyAllowed(request.keys[i].key, request.keys[i].flags)) {
        *denied_key = i;
        return AclVerdict::kDeniedKey;
      }
    }
  }
  if (!all_channels_) {
    for (size_t i = 0; i < request.channels.size(); ++i) {
      if (!ChannelAllowed(request.channels[i])) {
        *denied_key = i;
        return AclVerdict::kDeniedChannel;
      }
    }
  }
  return AclVerdict::kAllowed;
}

bool AclSelector::ChannelAllowed(const AclChannelUse& use) const {
  if (all_channels_) {
    return true;
  }
  for (const std::string& rule : channels_) {
    // A pattern subscription is allowed only by the same pattern: a rule cannot tell whether
    // an arbitrary pattern stays inside it.
    if (use.pattern ? rule == use.name : common::GlobMatch(rule, use.name)) {
      return true;
    }
  }
  return false;
}

void AclSelector::DescribeSingleCommands(std::span<const int> ids, const AclCommandCatalog& catalog,
                                         std::string* rules, AclSelector* fake) const {
  for (int id : ids) {
    const AclCommand* cmd = catalog.ById(id);
    bool user_bit = Bit(id);
    if (user_bit != fake->Bit(id)) {
      rules->append(user_bit ? "+" : "-").append(cmd->name).append(" ");
      fake->ChangePermission(*cmd, user_bit);
    }
    if (!cmd->subcommands.empty()) {
      DescribeSingleCommands(cmd->subcommands, catalog, rules, fake);
    }
    if (!user_bit) {
      for (const auto& [fa_id, arg] : first_args_) {
        if (fa_id == id) {
          rules->append("+").append(cmd->name).append("|").append(arg).append(" ");
        }
      }
    }
  }
}

std::string AclSelector::DescribeCommands(const AclCommandCatalog& catalog) const {
  // Redis 7.0's ACLDescribeSelectorCommandRules: start from +@all or -@all, greedily add the
  // category that best matches what is left, then fix single commands. A fake selector follows
  // the emitted rules, so the description reproduces exactly this selector's bits.
  std::string rules;
  bool additive = !future_commands_;
  AclSelector fake(catalog);
  fake.Apply(additive ? "-@all" : "+@all", catalog);
  rules = additive ? "-@all " : "+@all ";
  AclSelector temp = *this;
  std::vector<bool> applied(AclCategories().size(), false);
  while (true) {
    int best = -1;
    int min_diff = INT32_MAX;
    int max_same = 0;
    for (size_t j = 0; j < AclCategories().size(); ++j) {
      if (applied[j]) {
        continue;
      }
      int on = 0;
      int off = 0;
      temp.CountCategory(AclCategories()[j].bit, catalog, &on, &off);
      int diff = additive ? off : on;
      int same = additive ? on : off;
      if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
        best = static_cast<int>(j);
        min_diff = diff;
        max_same = same;
      }
    }
    if (best < 0) {
      break;
    }
    uint64_t bit = AclCategories()[best].bit;
    fake.ChangeCategory(bit, additive, catalog);
    temp.ChangeCategory(bit, !additive, catalog);
    rules.append(additive ? "+@" : "-@").append(AclCategories()[best].name).append(" ");
    applied[best] = true;
  }
  DescribeSingleCommands(catalog.top_level(), catalog, &rules, &fake);
  rules.pop_back();
  return rules;
}

std::string AclSelector::DescribeKeys() const {
  if (all_keys_) {
    return "~*";
  }
  std::string out;
  for (const AclKeyPattern& p : keys_) {
    if (!out.empty()) {
      out += ' ';
    }
    if (p.flags == kAclKeyRead) {
      out += "%R";
    } else if (p.flags == kAclKeyWrite) {
      out += "%W";
    }
    out += '~';
    out += p.pattern;
  }
  return out;
}

std::string AclSelector::DescribeChannels() const {
  if (all_channels_) {
    return "&*";
  }
  std::string out;
  for (const std::string& c : channels_) {
    if (!out.empty()) {
      out += ' ';
    }
    out += '&';
    out += c;
  }
  return out;
}

std::string AclSelector::Describe(const AclCommandCatalog& catalog) const {
  std::string out = DescribeKeys();
  if (!out.empty()) {
    out += ' ';
  }
  if (all_channels_) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    std::string channels = DescribeChannels();
    if (!channels.empty()) {
      out += channels + " ";
    }
  }
  out += DescribeCommands(catalog);
  return out;
}

}  // namespace redoubt::security
