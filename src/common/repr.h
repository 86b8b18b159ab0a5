// Quoting of arbitrary bytes as Redis's sdscatrepr does: "..." with \\ \" \n \r \t \a \b and
// \xHH for other unprintable bytes. protocol::SplitArgs (Redis's sdssplitargs) reads the
// result back to the same bytes, which is what CONFIG REWRITE relies on; MONITOR shows
// arguments this way.
//
// Thread: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace redoubt::common {

void AppendRepr(std::string* out, std::string_view s);
std::string Repr(std::string_view s);

}  // namespace redoubt::common
