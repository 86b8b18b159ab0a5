// Query protocol bodies; see form_body.h.
#include "control/form_body.h"

#include "common/ascii.h"

namespace redoubt::control {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return std::nullopt;
      }
      const int high = HexValue(s[i + 1]);
      const int low = HexValue(s[i + 2]);
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<FormParams> FormParams::Parse(std::string_view body) {
  FormParams params;
  for (std::string_view pair : common::Split(body, '&', /*skip_empty=*/true)) {
    const size_t eq = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value =
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    if (!name || !value || name->empty()) {
      return std::nullopt;
    }
    params.values_[*name] = std::move(*value);
  }
  return params;
}

std::optional<std::string> FormParams::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<std::string> FormParams::List(const std::string& prefix) const {
  std::vector<std::string> members;
  for (int i = 1;; ++i) {
    auto it = values_.find(prefix + "." + std::to_string(i));
    if (it == values_.end()) {
      return members;
    }
    members.push_back(it->second);
  }
}

bool FormParams::HasUnder(const std::string& prefix) const {
  const std::string under = prefix + ".";
  auto it = values_.lower_bound(under);
  return it != values_.end() && it->first.compare(0, under.size(), under) == 0;
}

}  // namespace redoubt::control
