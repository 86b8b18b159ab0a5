// Number parsing and formatting with Redis's exact rules, so that replies and errors match
// Redis byte for byte: string2ll's strictness (no spaces, no '+', no leading zeros), and
// the "%.17g" / long-double formats Redis uses in replies and INCRBYFLOAT.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::common {

// Strict int64 as Redis's string2ll: "-0", "+1", " 1", "01" and overflow are rejected.
std::optional<int64_t> ParseInt64(std::string_view s);

// As Redis's string2ld (INCRBYFLOAT): no spaces, no NaN, finite result, at most 5k bytes.
std::optional<long double> ParseLongDouble(std::string_view s);

// As Redis's string2d / getDoubleFromObject: strtod, no spaces, no NaN.
std::optional<double> ParseDouble(std::string_view s);

// Appends the decimal form of v.
void AppendInt64(std::string* out, int64_t v);

// Long double in the "humanfriendly" form Redis uses for INCRBYFLOAT results:
// "%.17Lf" with trailing zeros (and a trailing dot) removed.
std::string FormatLongDoubleHuman(long double v);

// Double as Redis writes it in a reply ("%.17g", "inf", "-inf").
std::string FormatDouble(double v);

// Number of decimal digits of v (with sign), used to size replies without formatting twice.
int DecimalLength(int64_t v);

}  // namespace redoubt::common
