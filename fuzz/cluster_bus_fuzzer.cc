// libFuzzer target for the cluster bus's message decoder (cluster/bus_message.h): arbitrary
// bytes as a link's input, framed message after message as the bus reads them. Invariants
// checked: a decoded or skipped message consumes at least a header and no more than was given;
// a decoded message, written again and read back, gives the same fields. Crashes and
// sanitizer reports are the findings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cluster/bus_message.h"
#include "common/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using redoubt::cluster::BusMessage;
  using redoubt::cluster::DecodeBusMessage;
  using redoubt::cluster::DecodeStatus;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    BusMessage m;
    size_t consumed = 0;
    const DecodeStatus status = DecodeBusMessage(input, &m, &consumed);
    if (status == DecodeStatus::kNeedMore || status == DecodeStatus::kCorrupt) {
      break;
    }
    REDOUBT_CHECK(consumed >= redoubt::cluster::kBusHeaderBytes && consumed <= input.size());
    if (status == DecodeStatus::kMessage) {
      BusMessage again;
      size_t again_consumed = 0;
      const std::string encoded = redoubt::cluster::EncodeBusMessage(m);
      REDOUBT_CHECK(DecodeBusMessage(encoded, &again, &again_consumed) == DecodeStatus::kMessage);
      REDOUBT_CHECK(again.sender == m.sender && again.slots == m.slots &&
                    again.gossip.size() == m.gossip.size() && again.node == m.node &&
                    again.channel == m.channel && again.message == m.message &&
                    again.current_epoch == m.current_epoch);
    }
    input.remove_prefix(consumed);
  }
  return 0;
}
