// libFuzzer target for RDB input, which comes from files (dbfilename at start-up, later a
// replica's full sync) and from clients (RESTORE's payload): none may crash the server or read
// out of bounds. The first byte chooses the form: even, the rest is a DUMP payload body (a type
// byte and a value, as RESTORE decodes it after checking the footer); odd, a whole RDB stream
// (the CRC check is off, so the fuzzer reaches past it). A value that loads must encode again
// (DUMP) and load back to a value of the same type and encoding whose DUMP has the same size
// (a table's members may come out in another order, so not the same bytes).
// When the first byte is 3 modulo 4, the stream is also encrypted at rest (encrypted_rdb.h, in
// small chunks) and loaded from the file: it must load exactly as the plaintext does, same
// keys and same error; with bit 2 of the first byte set one byte of the file is changed
// first, and then the load must fail having stored nothing.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "commands/runtime_settings.h"
#include "common/file_io.h"
#include "persistence/dump_commands.h"
#include "persistence/encrypted_rdb.h"
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

uint64_t TotalKeys(redoubt::storage::Keyspace& ks) {
  uint64_t n = 0;
  for (int db = 0; db < ks.databases(); ++db) {
    n += ks.DbSize(db);
  }
  return n;
}

void FuzzEncrypted(uint8_t mode, std::string_view stream,
                   const redoubt::commands::RuntimeSettings& settings) {
  using namespace redoubt::persistence;  // NOLINT(google-build-using-namespace): local
  static const EncryptionKeyring ring = [] {
    EncryptionKeyring r;
    r.current.emplace();
    for (size_t i = 0; i < r.current->bytes.size(); ++i) {
      r.current->bytes[i] = static_cast<uint8_t>(i + 1);
    }
    r.current->id = EncryptionKeyId(r.current->bytes);
    return r;
  }();
  std::string file;
  auto writer = EncryptedRdbWriter::Create(
      *ring.current,
      [&file](std::string_view b) {
        file.append(b);
        return absl::OkStatus();
      },
      64);
  if (!writer.ok() || !(*writer)->Write(stream).ok() || !(*writer)->Finish().ok()) {
    std::abort();
  }
  const bool tamper = (mode & 4) != 0;
  if (tamper) {
    size_t at = (stream.empty() ? 0 : static_cast<uint8_t>(stream[0]) * 7919u) % file.size();
    file[at] = static_cast<char>(file[at] ^ 0x5A);
  }
  int fd = memfd_create("rdb", MFD_CLOEXEC);
  std::string_view rest = file;
  if (fd < 0 || !redoubt::common::WriteAll(fd, &rest)) {
    std::abort();
  }
  redoubt::storage::Keyspace encrypted(16);
  RdbLoadResult result;
  absl::Status st = LoadRdbFile("/proc/self/fd/" + std::to_string(fd), encrypted, settings,
                                {.verify_checksum = false, .keys = &ring}, &result);
  close(fd);
  if (tamper) {
    if (st.ok() || TotalKeys(encrypted) != 0) {
      std::abort();  // a changed byte went unnoticed, or keys were stored before it was
    }
    return;
  }
  redoubt::storage::Keyspace plain(16);
  RdbInput in(stream);
  RdbLoadResult plain_result;
  absl::Status plain_st = LoadRdb(in, plain, settings, {.verify_checksum = false}, &plain_result);
  if (st.ok() != plain_st.ok() || st.message() != plain_st.message() ||
      TotalKeys(encrypted) != TotalKeys(plain)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  static const redoubt::commands::RuntimeSettings settings;
  redoubt::storage::Keyspace ks(16);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 4 == 3) {
    FuzzEncrypted(data[0], rest, settings);
    return 0;
  }
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
