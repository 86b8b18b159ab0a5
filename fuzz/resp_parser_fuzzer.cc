// libFuzzer target for the RESP request parser. Feeds arbitrary bytes as a pipelined stream,
// parsing command after command as a connection does, with small limits so that the limit
// paths are reached, once with the whole stream and once as it would arrive in reads of a
// few bytes (the chunk size comes from the first input byte), with the parser resuming
// where it stopped. Invariants checked: a complete parse consumes at least one byte and no
// more than was given, every argument lies inside the input (or in parser storage for inline
// commands), and both ways of feeding give the same commands, statuses and errors. Crashes
// and sanitizer reports are the findings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/check.h"
#include "protocol/resp_parser.h"

namespace {

using redoubt::protocol::ParseResult;
using redoubt::protocol::ParseStatus;
using redoubt::protocol::RespParser;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
};

RespParser MakeParser(bool auth_required) {
  RespParser parser({.max_bulk_len = 4096, .max_multibulk_len = 1024, .max_inline_len = 1024});
  parser.set_auth_required(auth_required);
  return parser;
}

// Parses `input` as it arrives `chunk` bytes at a time (chunk 0: all at once).
Outcome Feed(std::string_view input, size_t chunk, bool auth_required) {
  RespParser parser = MakeParser(auth_required);
  Outcome out;
  std::vector<std::string_view> args;
  size_t start = 0;  // first byte of the command being parsed
  size_t available = chunk == 0 ? input.size() : std::min(chunk, input.size());
  while (start < input.size()) {
    std::string_view pending = input.substr(start, available - start);
    ParseResult r = parser.Parse(pending, &args);
    if (r.status == ParseStatus::kNeedMore) {
      if (available == input.size()) {
        out.last = ParseStatus::kNeedMore;
        return out;
      }
      available = std::min(input.size(), available + chunk);
      continue;
    }
    if (r.status == ParseStatus::kError) {
      out.last = ParseStatus::kError;
      out.error = redoubt::protocol::ProtocolErrorText(r);
      REDOUBT_CHECK(!out.error.empty());
      return out;
    }
    REDOUBT_CHECK(r.consumed > 0 && r.consumed <= pending.size());
    size_t total = 0;
    for (std::string_view a : args) {
      total += a.size();
    }
    REDOUBT_CHECK(total <= pending.size() || pending[0] != '*');
    out.commands.emplace_back(args.begin(), args.end());
    start += r.consumed;
    available = std::max(available, start);
  }
  out.last = ParseStatus::kComplete;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  size_t chunk = 1 + data[0] % 16;
  bool auth_required = (data[0] & 0x80) != 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = Feed(input, 0, auth_required);
  Outcome trickled = Feed(input, chunk, auth_required);
  // "too big ..." errors depend on how the bytes arrive, in Redis too: a line longer than
  // the inline limit is refused when that much arrived without its end, but accepted when it
  // arrived whole. Then only the commands before the error must agree.
  auto arrival_dependent = [](const Outcome& o) {
    return o.error.find("too big") != std::string::npos;
  };
  if (arrival_dependent(whole) || arrival_dependent(trickled)) {
    size_t common = std::min(whole.commands.size(), trickled.commands.size());
    for (size_t i = 0; i < common; ++i) {
      REDOUBT_CHECK(whole.commands[i] == trickled.commands[i]);
    }
    return 0;
  }
  REDOUBT_CHECK(whole.commands == trickled.commands);
  REDOUBT_CHECK(whole.last == trickled.last);
  REDOUBT_CHECK(whole.error == trickled.error);
  return 0;
}
