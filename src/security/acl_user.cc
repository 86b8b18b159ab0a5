// User-level ACL rules (passwords, flags, selectors) over the root selector's rules.
#include "security/acl_user.h"

#include <algorithm>

#include "common/ascii.h"

namespace redoubt::security {
namespace {

using common::EqualsIgnoreCase;

// Redis's ACLCheckPasswordHash: exactly 64 lower-case hex digits.
bool IsCanonicalHash(std::string_view hex) {
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

bool IsValidUserName(std::string_view name) {
  return name.find_first_of(std::string_view(" \t\r\n\0", 5)) == std::string_view::npos;
}

bool MergeSelectorArguments(std::span<const std::string_view> args, std::vector<std::string>* out,
                            std::string* unmatched) {
  std::string selector;
  bool open = false;
  std::string_view opened_by;
  for (std::string_view arg : args) {
    if (open) {
      selector += ' ';
      selector += arg;
      if (!arg.empty() && arg.back() == ')') {
        out->push_back(std::move(selector));
        selector.clear();
        open = false;
      }
    } else if (!arg.empty() && arg.front() == '(' && arg.back() != ')') {
      selector = std::string(arg);
      opened_by = arg;
      open = true;
    } else {
      out->emplace_back(arg);
    }
  }
  if (open) {
    *unmatched = std::string(opened_by);
    return false;
  }
  return true;
}

AclUser::AclUser(std::string name, const AclCommandCatalog& catalog, bool all_channels_by_default)
    : name_(std::move(name)), root_(catalog) {
  if (all_channels_by_default) {
    root_.Apply("allchannels", catalog);
  }
}

AclRuleError AclUser::Apply(std::string_view op, const AclCommandCatalog& catalog,
                            bool all_channels_by_default) {
  if (EqualsIgnoreCase(op, "on")) {
    enabled_ = true;
  } else if (EqualsIgnoreCase(op, "off")) {
    enabled_ = false;
  } else if (EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    sanitize_ = Sanitize::kSkip;
  } else if (EqualsIgnoreCase(op, "sanitize-payload")) {
    sanitize_ = Sanitize::kSanitize;
  } else if (EqualsIgnoreCase(op, "cert-only")) {
    cert_only_ = true;
  } else if (EqualsIgnoreCase(op, "no-cert-only")) {
    cert_only_ = false;
  } else if (EqualsIgnoreCase(op, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (EqualsIgnoreCase(op, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (!op.empty() && (op[0] == '>' || op[0] == '#')) {
    PasswordHash hash;
    if (op[0] == '>') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!IsCanonicalHash(op.substr(1))) {
        return AclRuleError::kBadHash;
      }
      hash = *ParsePasswordHash(op.substr(1));
    }
    if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end()) {
      passwords_.push_back(hash);
    }
    nopass_ = false;
  } else if (!op.empty() && (op[0] == '<' || op[0] == '!')) {
    PasswordHash hash;
    if (op[0] == '<') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!IsCanonicalHash(op.substr(1))) {
        return AclRuleError::kBadHash;
      }
      hash = *ParsePasswordHash(op.substr(1));
    }
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) {
      return AclRuleError::kNoSuchPassword;
    }
    passwords_.erase(it);
  } else if (op.size() >= 2 && op.front() == '(' && op.back() == ')') {
    AclSelector selector(catalog);
    if (all_channels_by_default) {
      selector.Apply("allchannels", catalog);
    }
    std::string_view inner = op.substr(1, op.size() - 2);
    while (!inner.empty()) {
      size_t space = inner.find(' ');
      std::string_view rule = inner.substr(0, space);
      inner = space == std::string_view::npos ? std::string_view() : inner.substr(space + 1);
      if (rule.empty()) {
        continue;
      }
      if (AclRuleError e = selector.Apply(rule, catalog); e != AclRuleError::kNone) {
        return e;
      }
    }
    selectors_.push_back(std::move(selector));
  } else if (EqualsIgnoreCase(op, "clearselectors")) {
    selectors_.clear();
  } else if (EqualsIgnoreCase(op, "reset")) {
    nopass_ = false;
    passwords_.clear();
    root_.Apply("resetkeys", catalog);
    root_.Apply(all_channels_by_default ? "allchannels" : "resetchannels", catalog);
    enabled_ = false;
    cert_only_ = false;
    sanitize_ = Sanitize::kSanitize;
    selectors_.clear();
    root_.Apply("-@all", catalog);
  } else {
    return root_.Apply(op, catalog);
  }
  return AclRuleError::kNone;
}

AclVerdict AclUser::Check(const AclRequest& request, size_t* denied_key) const {
  AclVerdict relevant = root_.Check(request, denied_key);
  if (relevant == AclVerdict::kAllowed) {
    return relevant;
  }
  for (const AclSelector& s : selectors_) {
    size_t key = 0;
    AclVerdict v = s.Check(request, &key);
    if (v == AclVerdict::kAllowed) {
      return v;
    }
    if (v > relevant || (v == relevant && v != AclVerdict::kDeniedCommand && key > *denied_key)) {
      relevant = v;
      *denied_key = key;
    }
  }
  return relevant;
}

bool AclUser::all_channels() const {
  return root_.all_channels() || std::any_of(selectors_.begin(), selectors_.end(),
                                             [](const AclSelector& s) { return s.all_channels(); });
}

bool AclUser::AnySelectorAllowsChannel(const AclChannelUse& use) const {
  return root_.ChannelAllowed(use) ||
         std::any_of(selectors_.begin(), selectors_.end(),
                     [&](const AclSelector& s) { return s.ChannelAllowed(use); });
}

std::vector<std::string_view> AclUser::FlagNames() const {
  std::vector<std::string_view> flags;
  flags.push_back(enabled_ ? "on" : "off");
  if (nopass_) {
    flags.push_back("nopass");
  }
  if (sanitize_ == Sanitize::kSkip) {
    flags.push_back("skip-sanitize-payload");
  } else if (sanitize_ == Sanitize::kSanitize) {
    flags.push_back("sanitize-payload");
  }
  if (cert_only_) {
    flags.push_back("cert-only");
  }
  return flags;
}

std::string AclUser::Describe(const AclCommandCatalog& catalog) const {
  std::string out;
  for (std::string_view f : FlagNames()) {
    out.append(f).append(" ");
  }
  for (const PasswordHash& p : passwords_) {
    out.append("#").append(ToHex(p)).append(" ");
  }
  out += root_.Describe(catalog);
  for (const AclSelector& s : selectors_) {
    out.append(" (").append(s.Describe(catalog)).append(")");
  }
  return out;
}

}  // namespace redoubt::security
