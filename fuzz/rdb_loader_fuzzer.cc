// libFuzzer target for RDB input, which comes from files (dbfilename at start-up, later a
// replica's full sync) and from clients (RESTORE's payload): none may crash the server or read
// out of bounds. The first byte chooses the form: even, the rest is a DUMP payload body (a type
// byte and a value, as RESTORE decodes it after checking the footer); odd, a whole RDB stream
// (the CRC check is off, so the fuzzer reaches past it). A value that loads must encode again
// (DUMP) and load back to a value of the same type and encoding whose DUMP has the same size
// (a table's members may come out in another order, so not the same bytes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "commands/runtime_settings.h"
#include "persistence/dump_commands.h"
#include "persistence/rdb_decoder.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_loader.h"
#include "storage/keyspace.h"

namespace {

using redoubt::persistence::RdbDecoder;
using redoubt::persistence::RdbInput;

// Loads a DUMP body into db 0 under "k"; returns the entry or nullptr.
redoubt::storage::Entry* LoadBody(redoubt::storage::Keyspace& ks, std::string_view body,
                                  const redoubt::commands::RuntimeSettings& settings) {
  RdbInput in(body);
  RdbDecoder dec(in);
  uint8_t type;
  if (!dec.Byte(&type) || !dec.LoadObject(type, ks, 0, "k", settings)) {
    return nullptr;
  }
  return ks.Find(0, "k", redoubt::storage::Access::kNoTouch);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  static const redoubt::commands::RuntimeSettings settings;
  redoubt::storage::Keyspace ks(16);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 1) {
    RdbInput in(rest);
    redoubt::persistence::RdbLoadResult result;
    (void)redoubt::persistence::LoadRdb(in, ks, settings, {.verify_checksum = false}, &result);
    return 0;
  }
  redoubt::storage::Entry* e = LoadBody(ks, rest, settings);
  if (e == nullptr) {
    // A failed load leaves no key behind.
    if (ks.DbSize(0) != 0) {
      std::abort();
    }
    return 0;
  }
  std::string dump = redoubt::persistence::DumpPayload(*e);
  redoubt::storage::Keyspace again(1);
  redoubt::storage::Entry* e2 =
      LoadBody(again, std::string_view(dump).substr(0, dump.size() - 10), settings);
  if (e2 == nullptr || e2->type() != e->type() || e2->encoding() != e->encoding() ||
      redoubt::persistence::DumpPayload(*e2).size() != dump.size()) {
    std::abort();
  }
  return 0;
}
