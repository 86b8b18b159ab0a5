// Timestamps as the AWS Query protocol writes and reads them: ISO 8601 in UTC,
// 2026-12-07T01:02:03.456Z (botocore sends whole seconds without the fraction).
//
// Thread: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::control {

// Milliseconds since the epoch as 2026-12-07T01:02:03.456Z.
std::string FormatIsoTime(int64_t unix_ms);
// YYYY-MM-DDTHH:MM:SS with an optional fraction and a Z (or +00:00), or whole seconds since the
// epoch; nullopt for anything else, and for a date that does not exist.
std::optional<int64_t> ParseIsoTime(std::string_view text);

}  // namespace redoubt::control
