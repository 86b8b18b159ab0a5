// Writes keys and values in Redis 7.0's RDB encoding, appending to a byte string: what a
// snapshot file, a DUMP payload and (later) a replica's full sync are made of.
//
// Values are written in the encodings redis-server 7.0 itself writes for the same data, so
// that either server loads the other's files and RESTOREs the other's DUMP payloads: a small
// hash or sorted set as a listpack, a set of integers as an intset, a list as a quicklist of
// listpacks of at most 8 KB, larger ones element by element. Strings are written as integers
// when they are one (as Redis's rdbTryIntegerEncoding) and LZF-compressed over 20 bytes when
// `compress` (rdbcompression).
//
// Thread: a value; the entry must not change while it is written (its shard lock is held).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/entry.h"
#include "storage/stream_value.h"

namespace redoubt::persistence {

class RdbEncoder {
 public:
  RdbEncoder(std::string* out, bool compress) : out_(*out), compress_(compress) {}

  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Length(uint64_t len);
  void String(std::string_view s);
  void Raw(std::string_view bytes) { out_.append(bytes); }
  // Little-endian, as rdbSaveMillisecondTime and rdbSaveBinaryDoubleValue write them.
  void Int64Le(int64_t v);
  void BinaryDouble(double v);

  // The type byte of e's value, then the value (DUMP's payload without its footer).
  void ObjectType(const storage::Entry& e);
  void Object(const storage::Entry& e);
  // [EXPIRETIME_MS ms] type key value: one key of a snapshot.
  void KeyValue(const storage::Entry& e);
  // The same for a string key copied out of its entry (expire_ms: kNoExpire for none).
  void StringKeyValue(std::string_view key, std::string_view value, int64_t expire_ms);
  // AUX key value.
  void Aux(std::string_view key, std::string_view value);

 private:
  void List(const storage::Entry& e);
  void Set(const storage::Entry& e);
  void Hash(const storage::Entry& e);
  void Zset(const storage::Entry& e);
  void Stream(const storage::StreamValue& stream);
  void StreamIdLengths(storage::StreamId id);

  std::string& out_;
  const bool compress_;
};

// A score as Redis's d2string writes it into a sorted set's listpack: "inf", "-inf", "-0",
// an integer when the double is one, else "%.17g".
std::string ScoreString(double score);

// A stream node as the listpack Redis keeps it in (t_stream.c's streamAppendItem layout): the
// master entry (live count, deleted count, field count, the fields, 0), then each entry's
// flags, id deltas, [field count,] [fields,] values and element count.
std::string StreamNodeListpack(const storage::StreamValue::NodeView& node);

// A stream id as 128 bits, big endian: the key of Redis's radix trees (nodes, PELs).
std::string StreamIdBytes(storage::StreamId id);

}  // namespace redoubt::persistence
