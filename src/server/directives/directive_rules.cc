// The shared row-building helpers; see directive_rules.h.
#include "server/directives/directive_rules.h"

#include <algorithm>
#include <cstdlib>

#include "common/repr.h"
#include "server/config.h"

namespace redoubt::server {

NumericRule Signed(int64_t min, int64_t max, int64_t def) {
  return {.min = min, .max = max, .def = def};
}

NumericRule Unsigned(int64_t min, int64_t max, int64_t def) {
  return {.min = min, .max = max, .def = def, .unsigned_bounds = true};
}

NumericRule Memory(NumericRule rule) {
  rule.form = NumberForm::kMemory;
  return rule;
}

NumericRule AtMost(NumericRule rule, int64_t limit, std::string why) {
  rule.check = [limit, why](int64_t v) {
    return v > limit ? absl::InvalidArgumentError(why) : absl::OkStatus();
  };
  return rule;
}

Binding<int64_t> ClampedIntField(int Config::*member) {
  return {[member](Config& c, const int64_t& v) {
            c.*member = static_cast<int>(std::min<int64_t>(v, kIntMax));
          },
          [member](const Config& c) { return static_cast<int64_t>(c.*member); }};
}

absl::Status Invalid(std::string_view text) {
  return absl::InvalidArgumentError(std::string(text));
}

std::optional<long long> StrToLL(const std::string& s) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0') {
    return std::nullopt;
  }
  return v;
}

std::string TextOr(const Config& c, std::string_view name, std::string_view def) {
  const std::string* text = StoredText(c, name);
  return text == nullptr ? std::string(def) : *text;
}

std::string WordForRewrite(const std::string& w) {
  bool plain = !w.empty() && std::all_of(w.begin(), w.end(), [](unsigned char c) {
    return c > ' ' && c < 127 && c != '"' && c != '\'' && c != '\\';
  });
  return plain ? w : common::Repr(w);
}

void AddBoolRows(DirectiveRegistry& registry, std::span<const BoolRow> rows) {
  for (const BoolRow& b : rows) {
    registry.Add(BoolDirective({.name = b.name, .alias = b.alias, .flags = b.flags}, b.def));
  }
}

void AddNumericRows(DirectiveRegistry& registry, std::span<const NumericRow> rows) {
  for (const NumericRow& n : rows) {
    registry.Add(NumericDirective({.name = n.name, .alias = n.alias, .flags = n.flags}, n.rule));
  }
}

}  // namespace redoubt::server
