// Timestamps as the AWS protocols write and read them, in UTC: ISO 8601 in the Query
// protocol's bodies (2026-12-07T01:02:03.456Z; botocore sends whole seconds without the
// fraction), and any strftime form (SigV4's X-Amz-Date is 20261207T010203Z).
//
// Thread: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::control {

// Seconds since the epoch in the strftime `format`, as UTC.
std::string FormatUtc(int64_t unix_seconds, const char* format);
// text read with the strptime `format` as UTC; nullopt unless it writes back as the very same
// text: strptime takes fields of fewer digits and timegm moves 30 February into March.
std::optional<int64_t> ParseUtc(std::string_view text, const char* format);

// Milliseconds since the epoch as 2026-12-07T01:02:03.456Z.
std::string FormatIsoTime(int64_t unix_ms);
// YYYY-MM-DDTHH:MM:SS with an optional fraction and a Z (or +00:00), or whole seconds since the
// epoch; nullopt for anything else, and for a date that does not exist.
std::optional<int64_t> ParseIsoTime(std::string_view text);

}  // namespace redoubt::control
