// Value types of the directive table; see config_directive.h. Rules and texts follow Redis
// 7.0.15: config.c's boolConfigSet, numericParseString, numericBoundaryCheck,
// numericConfigGet, enumConfigSet, configEnumGetName, the rewriteConfig*Option functions, and
// util.c's memtoull.
#include "server/config_directive.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "commands/command_table.h"
#include "common/check.h"
#include "common/numbers.h"
#include "common/repr.h"
#include "server/config.h"

namespace redoubt::server {
namespace {

// A Binding to Config::no_effect_values: the value is kept as the text CONFIG GET shows,
// which parse() reads back (every canonical text is valid input of its own type).
template <typename T>
Binding<T> TextBinding(std::string_view name, T def, std::function<std::string(const T&)> format,
                       std::function<T(std::string_view)> parse) {
  return {[name, format](Config& c, const T& v) { StoreText(c, name, format(v)); },
          [name, def, parse](const Config& c) {
            const std::string* text = StoredText(c, name);
            return text == nullptr ? def : parse(*text);
          }};
}

// Gives a row without a field its text storage and kNoEffectYet.
template <typename T>
void BindOrKeepAsText(DirectiveName& name, Binding<T>& binding, T def,
                      std::function<std::string(const T&)> format,
                      std::function<T(std::string_view)> parse) {
  if (!binding.store) {
    binding = TextBinding<T>(name.name, def, std::move(format), std::move(parse));
    name.flags |= kNoEffectYet;
  }
}

std::string YesNo(bool v) {
  return v ? "yes" : "no";
}

// ---- Numbers ----

std::optional<int64_t> ParseNumberForm(const NumericRule& rule, std::string_view s) {
  if (rule.form == NumberForm::kMemory || rule.form == NumberForm::kMemoryOrPercent) {
    uint64_t bytes;
    if (MemToULL(s, &bytes)) {
      return static_cast<int64_t>(bytes);
    }
  }
  // Percentages are kept negative, as Redis does.
  if (rule.form == NumberForm::kMemoryOrPercent && s.size() > 1 && s.back() == '%') {
    std::optional<int64_t> percent = common::ParseInt64(s.substr(0, s.size() - 1));
    if (percent && *percent >= 0) {
      return -*percent;
    }
  }
  if (rule.form == NumberForm::kOctal) {
    // strtoll's rules, spaces and sign included; "" is 0, as in Redis.
    std::string text(s);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 8);
    if (errno == 0 && *end == '\0') {
      return v;
    }
  }
  if (rule.form == NumberForm::kInteger) {
    return common::ParseInt64(s);
  }
  return std::nullopt;
}

std::string BetweenText(const char* format, uint64_t low, uint64_t high) {
  char buf[128];
  snprintf(buf, sizeof(buf), format, low, high);
  return buf;
}

absl::Status CheckBounds(const NumericRule& rule, int64_t v) {
  if (rule.unsigned_bounds) {
    uint64_t u = static_cast<uint64_t>(v);
    uint64_t low = static_cast<uint64_t>(rule.min);
    uint64_t high = static_cast<uint64_t>(rule.max);
    if (u > high || u < low) {
      return absl::InvalidArgumentError(
          BetweenText(rule.form == NumberForm::kOctal
                          ? "argument must be between %" PRIo64 " and %" PRIo64 " inclusive"
                          : "argument must be between %" PRIu64 " and %" PRIu64 " inclusive",
                      low, high));
    }
    return absl::OkStatus();
  }
  if (rule.form == NumberForm::kMemoryOrPercent && v < 0) {
    if (v < rule.min) {
      return absl::InvalidArgumentError("percentage argument must be less or equal to " +
                                        std::to_string(-rule.min));
    }
    return absl::OkStatus();
  }
  if (v > rule.max || v < rule.min) {
    return absl::InvalidArgumentError("argument must be between " + std::to_string(rule.min) +
                                      " and " + std::to_string(rule.max) + " inclusive");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseNumber(const NumericRule& rule, std::string_view s) {
  std::optional<int64_t> v = ParseNumberForm(rule, s);
  if (!v) {
    switch (rule.form) {
      case NumberForm::kMemoryOrPercent:
        return absl::InvalidArgumentError("argument must be a memory or percent value");
      case NumberForm::kMemory:
        return absl::InvalidArgumentError("argument must be a memory value");
      case NumberForm::kOctal:
        return absl::InvalidArgumentError("argument couldn't be parsed as an octal number");
      case NumberForm::kInteger:
        break;
    }
    return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
  }
  if (absl::Status st = CheckBounds(rule, *v); !st.ok()) {
    return st;
  }
  if (rule.check) {
    if (absl::Status st = rule.check(*v); !st.ok()) {
      return st;
    }
  }
  return *v;
}

std::string OctalText(int64_t v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%" PRIo64, static_cast<uint64_t>(v));
  return buf;
}

// numericConfigGet.
std::string FormatNumber(const NumericRule& rule, int64_t v) {
  if (rule.form == NumberForm::kMemoryOrPercent && v < 0) {
    return std::to_string(-v) + "%";
  }
  if (rule.form == NumberForm::kMemory || rule.form == NumberForm::kMemoryOrPercent) {
    return std::to_string(static_cast<uint64_t>(v));
  }
  if (rule.form == NumberForm::kOctal) {
    return OctalText(v);
  }
  return std::to_string(v);
}

// numericConfigRewrite. Memory is written in the unsigned reading of the value: Redis formats
// a long long there, which turns maxmemory above 2^63 into a negative number it cannot load.
std::string FormatNumberForRewrite(const NumericRule& rule, int64_t v) {
  if (rule.form == NumberForm::kMemoryOrPercent && v < 0) {
    return std::to_string(-v) + "%";
  }
  if (rule.form == NumberForm::kMemory || rule.form == NumberForm::kMemoryOrPercent) {
    return FormatMemoryUnits(static_cast<uint64_t>(v));
  }
  return FormatNumber(rule, v);
}

// ---- Enums ----

absl::Status EnumError(const EnumRule& rule) {
  std::string text = "argument(s) must be one of the following: ";
  bool first = true;
  for (const EnumValue& v : rule.values) {
    if (v.unlisted) {
      continue;
    }
    text += first ? "" : ", ";
    text += v.name;
    first = false;
  }
  return absl::InvalidArgumentError(text);
}

// configEnumGetValue.
std::optional<int> ParseEnum(const EnumRule& rule, DirectiveArgs args) {
  if (args.empty() || (!rule.bitflags && args.size() != 1)) {
    return std::nullopt;
  }
  int values = 0;
  for (const std::string& arg : args) {
    bool matched = false;
    for (const EnumValue& v : rule.values) {
      if (commands::EqualsIgnoreCase(arg, v.name)) {
        values |= v.value;
        matched = true;
      }
    }
    if (!matched) {
      return std::nullopt;
    }
  }
  return values;
}

// configEnumGetName: the first name with exactly this value; for flags, the names whose bits
// are all set, in table order.
std::string EnumName(const EnumRule& rule, int values) {
  std::string names;
  int unmatched = values;
  for (const EnumValue& v : rule.values) {
    if (v.value == values) {
      return std::string(v.name);
    }
    if (rule.bitflags && v.value != 0 && v.value == (unmatched & v.value)) {
      names += names.empty() ? "" : " ";
      names += v.name;
      unmatched &= ~v.value;
    }
  }
  return names.empty() || unmatched != 0 ? "unknown" : names;
}

int ParseCanonicalEnum(const EnumRule& rule, std::string_view text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= text.size()) {
    size_t space = text.find(' ', start);
    words.emplace_back(text.substr(start, space - start));
    if (space == std::string_view::npos) {
      break;
    }
    start = space + 1;
  }
  std::optional<int> v = ParseEnum(rule, words);
  REDOUBT_CHECK(v.has_value());
  return *v;
}

}  // namespace

bool DirectiveSpec::IsDefault(const Config& config) const {
  for (const RewriteLine& line : rewrite(config)) {
    if (line.force) {
      return false;
    }
  }
  return true;
}

DirectiveSpec NewDirective(const DirectiveName& name) {
  DirectiveSpec d;
  d.name = name.name;
  d.alias = name.alias;
  d.flags = name.flags;
  return d;
}

absl::Status WrongNumberOfArguments() {
  return absl::InvalidArgumentError("wrong number of arguments");
}

bool MemToULL(std::string_view s, uint64_t* out) {
  if (!s.empty() && s[0] == '-') {
    return false;
  }
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
    ++digits;
  }
  std::string_view unit = s.substr(digits);
  uint64_t mul;
  if (unit.empty() || commands::EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (commands::EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (commands::EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (commands::EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (commands::EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (commands::EqualsIgnoreCase(unit, "g")) {
    mul = 1000ull * 1000 * 1000;
  } else if (commands::EqualsIgnoreCase(unit, "gb")) {
    mul = 1024ull * 1024 * 1024;
  } else {
    return false;
  }
  // Redis copies the digits into a 128-byte buffer first.
  if (digits >= 128) {
    return false;
  }
  // strtoull: saturates at 2^64-1 (ERANGE is not checked by memtoull).
  uint64_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) {
      v = UINT64_MAX;
      break;
    }
    v = v * 10 + d;
  }
  *out = v * mul;  // modulo 2^64, as Redis's unsigned multiplication
  return true;
}

std::string FormatMemoryUnits(uint64_t bytes) {
  constexpr uint64_t kGb = 1024 * 1024 * 1024;
  constexpr uint64_t kMb = 1024 * 1024;
  constexpr uint64_t kKb = 1024;
  if (bytes != 0 && bytes % kGb == 0) {
    return std::to_string(bytes / kGb) + "gb";
  }
  if (bytes != 0 && bytes % kMb == 0) {
    return std::to_string(bytes / kMb) + "mb";
  }
  if (bytes != 0 && bytes % kKb == 0) {
    return std::to_string(bytes / kKb) + "kb";
  }
  return std::to_string(bytes);
}

const std::string* StoredText(const Config& config, std::string_view name) {
  auto it = config.no_effect_values.find(name);
  return it == config.no_effect_values.end() ? nullptr : &it->second;
}

void StoreText(Config& config, std::string_view name, std::string text) {
  config.no_effect_values.insert_or_assign(std::string(name), std::move(text));
}

DirectiveSpec BoolDirective(DirectiveName name, bool def, Binding<bool> binding,
                            std::function<absl::Status(bool)> check) {
  BindOrKeepAsText<bool>(name, binding, def, YesNo,
                         [](std::string_view text) { return text == "yes"; });
  DirectiveSpec d = NewDirective(name);
  d.set = [binding, check](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() != 1) {
      return WrongNumberOfArguments();
    }
    bool v;
    if (commands::EqualsIgnoreCase(args[0], "yes")) {
      v = true;
    } else if (commands::EqualsIgnoreCase(args[0], "no")) {
      v = false;
    } else {
      return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
    }
    if (check) {
      if (absl::Status st = check(v); !st.ok()) {
        return st;
      }
    }
    binding.store(c, v);
    return absl::OkStatus();
  };
  d.get = [binding](const Config& c) { return YesNo(binding.load(c)); };
  d.rewrite = [binding, def](const Config& c) {
    bool v = binding.load(c);
    return std::vector<RewriteLine>{{YesNo(v), v != def}};
  };
  return d;
}

DirectiveSpec NumericDirective(DirectiveName name, NumericRule rule, Binding<int64_t> binding) {
  BindOrKeepAsText<int64_t>(
      name, binding, rule.def, [rule](const int64_t& v) { return FormatNumber(rule, v); },
      [rule](std::string_view text) {
        absl::StatusOr<int64_t> v = ParseNumber(rule, text);
        REDOUBT_CHECK(v.ok());
        return *v;
      });
  if (rule.form == NumberForm::kMemory || rule.form == NumberForm::kMemoryOrPercent) {
    name.flags |= kMemory;
  }
  DirectiveSpec d = NewDirective(name);
  d.set = [rule, binding](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() != 1) {
      return WrongNumberOfArguments();
    }
    absl::StatusOr<int64_t> v = ParseNumber(rule, args[0]);
    if (!v.ok()) {
      return v.status();
    }
    binding.store(c, rule.normalize ? rule.normalize(*v) : *v);
    return absl::OkStatus();
  };
  d.get = [rule, binding](const Config& c) { return FormatNumber(rule, binding.load(c)); };
  d.rewrite = [rule, binding](const Config& c) {
    int64_t v = binding.load(c);
    return std::vector<RewriteLine>{{FormatNumberForRewrite(rule, v), v != rule.def}};
  };
  return d;
}

DirectiveSpec EnumDirective(DirectiveName name, EnumRule rule, Binding<int> binding) {
  BindOrKeepAsText<int>(
      name, binding, rule.def, [rule](const int& v) { return EnumName(rule, v); },
      [rule](std::string_view text) { return ParseCanonicalEnum(rule, text); });
  DirectiveSpec d = NewDirective(name);
  d.set = [rule, binding](Config& c, DirectiveArgs args, SetSource) {
    std::optional<int> v = ParseEnum(rule, args);
    if (!v) {
      return EnumError(rule);
    }
    if (rule.check) {
      if (absl::Status st = rule.check(*v); !st.ok()) {
        return st;
      }
    }
    binding.store(c, *v);
    return absl::OkStatus();
  };
  d.get = [rule, binding](const Config& c) { return EnumName(rule, binding.load(c)); };
  d.rewrite = [rule, binding](const Config& c) {
    int v = binding.load(c);
    return std::vector<RewriteLine>{{EnumName(rule, v), v != rule.def}};
  };
  return d;
}

DirectiveSpec StringDirective(DirectiveName name, StringRule rule, Binding<std::string> binding) {
  BindOrKeepAsText<std::string>(
      name, binding, std::string(rule.def), [](const std::string& v) { return v; },
      [](std::string_view text) { return std::string(text); });
  DirectiveSpec d = NewDirective(name);
  bool join = d.Has(kJoinWords);
  d.set = [rule, binding, join](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() != 1 && !(join && !args.empty())) {
      return WrongNumberOfArguments();
    }
    std::string value = args[0];
    for (size_t i = 1; i < args.size(); ++i) {
      value += " " + args[i];
    }
    if (rule.check) {
      if (absl::Status st = rule.check(value); !st.ok()) {
        return st;
      }
    }
    binding.store(c, value);
    return absl::OkStatus();
  };
  d.get = [binding](const Config& c) { return binding.load(c); };
  d.rewrite = [rule, binding](const Config& c) {
    std::string v = binding.load(c);
    if (rule.empty_is_null && v.empty()) {
      return std::vector<RewriteLine>{};  // unset: no line (rewriteConfigStringOption, NULL)
    }
    bool force = rule.empty_is_null || v != rule.def;
    return std::vector<RewriteLine>{{common::Repr(v), force}};
  };
  return d;
}

}  // namespace redoubt::server
