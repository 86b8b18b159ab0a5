// RDB value encoding; see rdb_encoder.h.
#include "persistence/rdb_encoder.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "commands/hash_operations.h"
#include "commands/set_operations.h"
#include "commands/zset_operations.h"
#include "common/numbers.h"
#include "persistence/blob_bytes.h"
#include "persistence/intset.h"
#include "persistence/listpack.h"
#include "persistence/lzf_codec.h"
#include "persistence/rdb_format.h"
#include "storage/list_value.h"
#include "storage/stream_value.h"

namespace redoubt::persistence {

using storage::Encoding;
using storage::Entry;
using storage::ValueType;

std::string ScoreString(double score) {
  if (std::isinf(score)) {
    return score > 0 ? "inf" : "-inf";
  }
  if (score == 0) {
    return std::signbit(score) ? "-0" : "0";
  }
  // Redis's double2ll: integral and well inside the range of a long long.
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (score > -kLimit && score < kLimit && score == std::trunc(score)) {
    return std::to_string(static_cast<int64_t>(score));
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, static_cast<size_t>(n));
}

void RdbEncoder::Length(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>(len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>((kLen14Bit << 6) | (len >> 8)));
    Byte(static_cast<uint8_t>(len & 0xFF));
  } else if (len <= UINT32_MAX) {
    Byte(kLen32Bit);
    for (int shift = 24; shift >= 0; shift -= 8) {
      Byte(static_cast<uint8_t>(len >> shift));
    }
  } else {
    Byte(kLen64Bit);
    for (int shift = 56; shift >= 0; shift -= 8) {
      Byte(static_cast<uint8_t>(len >> shift));
    }
  }
}

void RdbEncoder::String(std::string_view s) {
  // An integer's text (exactly as Redis would print it back) in 1, 2 or 4 bytes.
  if (s.size() <= 11) {
    if (std::optional<int64_t> v = common::ParseInt64(s)) {
      if (*v >= INT32_MIN && *v <= INT32_MAX) {
        const bool int8 = *v >= INT8_MIN && *v <= INT8_MAX;
        const bool int16 = *v >= INT16_MIN && *v <= INT16_MAX;
        Byte((kLenEncoded << 6) | (int8 ? kEncInt8 : int16 ? kEncInt16 : kEncInt32));
        StoreLe(static_cast<uint64_t>(*v), int8 ? 1 : int16 ? 2 : 4, &out_);
        return;
      }
    }
  }
  if (compress_ && s.size() > 20) {
    if (std::optional<std::string> packed = LzfCompress(s)) {
      Byte((kLenEncoded << 6) | kEncLzf);
      Length(packed->size());
      Length(s.size());
      Raw(*packed);
      return;
    }
  }
  Length(s.size());
  Raw(s);
}

void RdbEncoder::Int64Le(int64_t v) {
  StoreLe(static_cast<uint64_t>(v), 8, &out_);
}

void RdbEncoder::BinaryDouble(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  Int64Le(static_cast<int64_t>(bits));
}

void RdbEncoder::ObjectType(const Entry& e) {
  switch (e.type()) {
    case ValueType::kString:
      return Byte(kRdbString);
    case ValueType::kList:
      return Byte(kRdbListQuicklist2);
    case ValueType::kSet:
      return Byte(e.encoding() == Encoding::kIntset ? kRdbSetIntset : kRdbSet);
    case ValueType::kHash:
      return Byte(e.encoding() == Encoding::kListpack ? kRdbHashListpack : kRdbHash);
    case ValueType::kZset:
      return Byte(e.encoding() == Encoding::kListpack ? kRdbZsetListpack : kRdbZset2);
    case ValueType::kStream:
      return Byte(kRdbStreamListpacks2);
  }
}

void RdbEncoder::Object(const Entry& e) {
  switch (e.type()) {
    case ValueType::kString:
      return String(e.value());
    case ValueType::kList:
      return List(e);
    case ValueType::kSet:
      return Set(e);
    case ValueType::kHash:
      return Hash(e);
    case ValueType::kZset:
      return Zset(e);
    case ValueType::kStream:
      return Stream(e.stream());
  }
}

void RdbEncoder::KeyValue(const Entry& e) {
  if (e.type() == ValueType::kString) {
    return StringKeyValue(e.key(), e.value(), e.expire_ms());
  }
  if (e.expire_ms() != storage::kNoExpire) {
    Byte(kOpExpireTimeMs);
    Int64Le(e.expire_ms());
  }
  ObjectType(e);
  String(e.key());
  Object(e);
}

void RdbEncoder::StringKeyValue(std::string_view key, std::string_view value, int64_t expire_ms) {
  if (expire_ms != storage::kNoExpire) {
    Byte(kOpExpireTimeMs);
    Int64Le(expire_ms);
  }
  Byte(kRdbString);
  String(key);
  String(value);
}

void RdbEncoder::Aux(std::string_view key, std::string_view value) {
  Byte(kOpAux);
  String(key);
  String(value);
}

void RdbEncoder::List(const Entry& e) {
  // Nodes of at most 8 KB, as a list that Redis built by pushes would have (its node borders
  // depend on the list's history; any border loads the same list).
  std::vector<std::string> nodes;
  ListpackBuilder node;
  const storage::ListValue& list = e.list();
  for (auto c = list.CursorAt(0); !c.done(); c.Next()) {
    if (node.size() > 0 && node.bytes() + (*c).size() + 11 > kListpackNodeBytes) {
      nodes.push_back(node.Finish());
      node = ListpackBuilder();
    }
    node.Append(*c);
  }
  if (node.size() > 0) {
    nodes.push_back(node.Finish());
  }
  Length(nodes.size());
  for (const std::string& blob : nodes) {
    Length(kQuicklistPacked);
    String(blob);
  }
}

void RdbEncoder::Set(const Entry& e) {
  commands::SetReader set(e);
  if (e.encoding() == Encoding::kIntset) {
    std::vector<int64_t> values;
    values.reserve(set.size());
    set.ForEach([&](std::string_view m) { values.push_back(*common::ParseInt64(m)); });
    return String(EncodeIntset(values));
  }
  Length(set.size());
  set.ForEach([&](std::string_view m) { String(m); });
}

void RdbEncoder::Hash(const Entry& e) {
  commands::HashReader hash(e);
  if (e.encoding() == Encoding::kListpack) {
    ListpackBuilder lp;
    hash.ForEach([&](std::string_view f, std::string_view v) {
      lp.Append(f);
      lp.Append(v);
    });
    return String(lp.Finish());
  }
  Length(hash.size());
  hash.ForEach([&](std::string_view f, std::string_view v) {
    String(f);
    String(v);
  });
}

void RdbEncoder::Zset(const Entry& e) {
  commands::ZsetReader zset(e);
  if (e.encoding() == Encoding::kListpack) {
    ListpackBuilder lp;
    zset.ForEach([&](const commands::ZsetElement& el) {
      lp.Append(el.member);
      lp.Append(ScoreString(el.score));
    });
    return String(lp.Finish());
  }
  // Highest first, as Redis writes a skip list, so that loading inserts at the head.
  Length(zset.size());
  if (zset.size() > 0) {
    zset.ForEachInRanks(0, zset.size() - 1, true, [&](const commands::ZsetElement& el) {
      String(el.member);
      BinaryDouble(el.score);
    });
  }
}

std::string StreamNodeListpack(const storage::StreamValue::NodeView& node) {
  ListpackBuilder lp;
  lp.AppendInteger(static_cast<int64_t>(node.live()));
  lp.AppendInteger(static_cast<int64_t>(node.deleted()));
  int64_t master_fields = 0;
  node.ForEachMasterField([&](std::string_view) { ++master_fields; });
  lp.AppendInteger(master_fields);
  node.ForEachMasterField([&](std::string_view field) { lp.Append(field); });
  lp.AppendInteger(0);  // the master entry's end
  const storage::StreamId master = node.master_id();
  node.ForEachEntry([&](const storage::StreamEntry& entry) {
    const bool same = (entry.flags & storage::StreamValue::kFlagSameFields) != 0;
    lp.AppendInteger(entry.flags);
    lp.AppendInteger(static_cast<int64_t>(entry.id.ms - master.ms));
    lp.AppendInteger(static_cast<int64_t>(entry.id.seq - master.seq));
    if (!same) {
      lp.AppendInteger(static_cast<int64_t>(entry.field_count));
    }
    entry.ForEachPair([&](std::string_view field, std::string_view value) {
      if (!same) {
        lp.Append(field);
      }
      lp.Append(value);
    });
    const auto fields = static_cast<int64_t>(entry.field_count);
    lp.AppendInteger(same ? fields + 3 : 2 * fields + 4);  // the entry's element count
  });
  return lp.Finish();
}

void RdbEncoder::StreamIdLengths(storage::StreamId id) {
  Length(id.ms);
  Length(id.seq);
}

void RdbEncoder::Stream(const storage::StreamValue& stream) {
  Length(stream.node_count());
  stream.ForEachNode([&](const storage::StreamValue::NodeView& node) {
    String(StreamIdBytes(node.master_id()));
    String(StreamNodeListpack(node));
  });
  Length(stream.length());
  StreamIdLengths(stream.last_id());
  StreamIdLengths(stream.first_id());
  StreamIdLengths(stream.max_deleted_id());
  Length(stream.entries_added());
  Length(stream.group_count());
  stream.ForEachGroup([&](std::string_view name, const storage::StreamGroup& group) {
    String(name);
    StreamIdLengths(group.last_id);
    Length(static_cast<uint64_t>(group.entries_read));  // -1 as Redis writes it: 2^64 - 1
    // The group's PEL: each id with its delivery time and count.
    Length(group.pel.size());
    for (const auto& [id, pending] : group.pel) {
      Raw(StreamIdBytes(id));
      Int64Le(pending.delivery_time_ms);
      Length(pending.delivery_count);
    }
    // The consumers: name, seen time, and the ids of their part of the PEL.
    Length(group.consumer_count());
    group.ForEachConsumer([&](const storage::StreamConsumer& consumer) {
      String(consumer.name);
      Int64Le(consumer.seen_time_ms);
      Length(consumer.pending.size());
      for (storage::StreamId id : consumer.pending) {
        Raw(StreamIdBytes(id));
      }
    });
  });
}

std::string StreamIdBytes(storage::StreamId id) {
  std::string bytes(16, '\0');
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>(id.ms >> (56 - 8 * i));
    bytes[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
  return bytes;
}

}  // namespace redoubt::persistence
