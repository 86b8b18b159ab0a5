// What the component files of the directive table (this folder's *_directives.cc) share to
// build their rows: Redis's numeric bounds as constants, the numeric rules of its types, small
// value helpers for hand-written rows, and tables for Redis's rows kept as text. The value types
// themselves (NumericRule, NumericDirective, ...) are in server/config_directive.h.
//
// Thread: plain functions and constants; rows are built once, on first use of the table.
#pragma once

#include <absl/status/status.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/config_directive.h"
#include "server/directives/directive_registry.h"

namespace redoubt::server {

// Redis's bounds, as the long long its config.c compares them in.
inline constexpr int64_t kIntMax = INT_MAX;
inline constexpr int64_t kIntMin = INT_MIN;
inline constexpr int64_t kUIntMax = UINT_MAX;
inline constexpr int64_t kLongMax = LONG_MAX;
inline constexpr int64_t kLLongMax = LLONG_MAX;
inline constexpr int64_t kULLongMax = static_cast<int64_t>(ULLONG_MAX);  // written as -1
inline constexpr int64_t kMb = 1024 * 1024;

// Redis's numeric types: the signed ones (int, long, long long, ssize_t, time_t, off_t)
// compare their bounds as long long, the unsigned ones (unsigned int, unsigned long long,
// size_t) as unsigned.
NumericRule Signed(int64_t min, int64_t max, int64_t def);
NumericRule Unsigned(int64_t min, int64_t max, int64_t def);
// The same rule taking "100mb" (MEMORY_CONFIG).
NumericRule Memory(NumericRule rule);
// A limit of Redoubt's own beyond Redis's bounds; why is the error text.
NumericRule AtMost(NumericRule rule, int64_t limit, std::string why);

// An int field that keeps values beyond int's range as INT_MAX (Redis stores these in a long;
// the server reads them as int).
Binding<int64_t> ClampedIntField(int Config::*member);

// A refused value, with Redis's text.
absl::Status Invalid(std::string_view text);
// strtoll with Redis's "whole string" check (spaces and '+' accepted, as strtoll does).
std::optional<long long> StrToLL(const std::string& s);
// A hand-written row whose value has no field: its text, or the default.
std::string TextOr(const Config& c, std::string_view name, std::string_view def);
// Quoted only when SplitArgs would not read the word back as it is (Redis writes these raw).
std::string WordForRewrite(const std::string& w);

// Tables of Redis's bool and numeric configs that Redoubt does not act on yet, written as
// Redis's static_configs[] lists them: each becomes a row without a field (its value kept as
// text, kNoEffectYet), added in the table's order.
struct BoolRow {
  std::string_view name;
  std::string_view alias;
  uint32_t flags;
  bool def;
};
struct NumericRow {
  std::string_view name;
  std::string_view alias;
  uint32_t flags;
  NumericRule rule;
};
void AddBoolRows(DirectiveRegistry& registry, std::span<const BoolRow> rows);
void AddNumericRows(DirectiveRegistry& registry, std::span<const NumericRow> rows);

}  // namespace redoubt::server
