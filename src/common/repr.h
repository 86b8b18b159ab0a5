// Quoting of arbitrary bytes as Redis's sdscatrepr does: "..." with \\ \" \n \r \t \a \b and
// \xHH for other unprintable bytes. protocol::SplitArgs (Redis's sdssplitargs) reads the
// result back to the same bytes, which is what CONFIG REWRITE relies on; MONITOR shows
// arguments this way.
//
// Thread: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace redoubt::common {

void AppendRepr(std::string* out, std::string_view s);
// As AppendRepr, into a new string. With max_bytes, the input is cut to that many bytes first
// and the cut is marked by "..." after the closing quote: for client-chosen text (user names,
// client names, certificate fields) in a log line, which must stay short and on one line.
std::string Repr(std::string_view s, size_t max_bytes = SIZE_MAX);

}  // namespace redoubt::common
