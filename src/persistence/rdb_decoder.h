// Reads keys and values in Redis's RDB encoding (versions 1 to 10: every encoding redis-server
// 7.0 loads, from the zipmaps and ziplists of old files to today's listpacks) and stores them in
// the keyspace with the same encoding rules as the commands (so a hash loaded from a listpack
// bigger than hash-max-listpack-entries becomes a table, as Redis converts it).
//
// Every read is checked: a length past the end of the input, a bad encoding, a blob that does
// not validate (listpack, ziplist, intset), duplicate members or a NaN score make the decoder
// fail with an error naming the offset, and the key being loaded is removed again, so nothing
// half-built stays. Module types are refused by name.
//
// Thread: a value; LoadObject requires the key's shard lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/runtime_settings.h"
#include "persistence/rdb_input.h"
#include "storage/keyspace.h"
#include "storage/stream_value.h"

namespace redoubt::persistence {

class RdbDecoder {
 public:
  explicit RdbDecoder(RdbInput& in) : in_(in) {}

  // Each returns false on failure, after which error() says what and where.
  bool Byte(uint8_t* b);
  // A length; *encoded is set when the length byte announces a special string encoding (then
  // the returned value is that encoding).
  bool Length(uint64_t* len, bool* encoded = nullptr);
  bool String(std::string* s);
  bool Int64Le(int64_t* v);
  bool Int32Le(int32_t* v);
  bool BinaryDouble(double* v);
  // The old text form of a double (RDB_TYPE_ZSET): a length byte, 253 nan, 254 +inf, 255 -inf.
  bool TextDouble(double* v);

  // Reads a value of `type` and stores it at key in db, which must not exist. On failure the key
  // does not exist afterwards either.
  bool LoadObject(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
                  const commands::RuntimeSettings& settings);

  // The code of a function library after its opcode: FUNCTION2 (Redis 7.0: the code, shebang
  // included) or the FUNCTION of 7.0's release candidates (name, engine, optional description
  // and body, turned into the same "#!<engine> name=<name>" form, as Redis converts it).
  bool FunctionLibraryCode(uint8_t opcode, std::string* code);

  bool Fail(std::string_view what);
  const std::string& error() const { return error_; }
  uint64_t offset() const { return in_.offset(); }

 private:
  // Reads len bytes into *s, growing it as they arrive: a corrupt length fails at the end of
  // the data instead of allocating what it claims.
  bool ReadGrowing(uint64_t len, std::string* s);
  bool LoadList(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key);
  bool LoadSet(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
               const commands::RuntimeSettings& settings);
  bool LoadHash(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
                const commands::RuntimeSettings& settings);
  bool LoadZset(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
                const commands::RuntimeSettings& settings);
  // rdb_stream_loader.cc.
  bool LoadStream(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key);
  bool LoadStreamGroup(uint8_t type, storage::StreamValue& stream);
  bool StreamIdBytes(storage::StreamId* id);
  // A length that counts elements of at least `min_bytes` each: refused when the input cannot
  // hold them (a corrupt length must not make us reserve terabytes).
  bool Count(uint64_t* n);

  RdbInput& in_;
  std::string error_;
};

}  // namespace redoubt::persistence
