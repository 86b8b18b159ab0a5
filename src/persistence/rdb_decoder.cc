// RDB value decoding; see rdb_decoder.h.
#include "persistence/rdb_decoder.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "commands/hash_operations.h"
#include "commands/set_operations.h"
#include "commands/zset_operations.h"
#include "common/numbers.h"
#include "persistence/blob_bytes.h"
#include "persistence/intset.h"
#include "persistence/listpack.h"
#include "persistence/lzf_codec.h"
#include "persistence/rdb_format.h"
#include "persistence/ziplist.h"
#include "persistence/zipmap.h"
#include "storage/list_value.h"

namespace redoubt::persistence {

namespace {

// Longest string we accept (Redis's proto-max-bulk-len ceiling): a corrupt length must fail,
// not allocate.
constexpr uint64_t kMaxStringBytes = uint64_t{1} << 32;
constexpr uint64_t kMaxElements = uint64_t{1} << 32;

}  // namespace

bool RdbDecoder::Fail(std::string_view what) {
  if (error_.empty()) {
    error_ = "at offset " + std::to_string(in_.offset()) + ": " + std::string(what);
    if (!in_.error().empty()) {
      error_ += " (" + in_.error() + ")";
    }
  }
  return false;
}

bool RdbDecoder::Byte(uint8_t* b) {
  return in_.Read(b, 1) || Fail("unexpected end of data");
}

bool RdbDecoder::Length(uint64_t* len, bool* encoded) {
  if (encoded != nullptr) {
    *encoded = false;
  }
  uint8_t b;
  if (!Byte(&b)) {
    return false;
  }
  uint8_t kind = b >> 6;
  if (kind == kLenEncoded) {
    if (encoded == nullptr) {
      return Fail("unexpected string encoding where a length belongs");
    }
    *encoded = true;
    *len = b & 0x3F;
    return true;
  }
  if (kind == kLen6Bit) {
    *len = b & 0x3F;
    return true;
  }
  if (kind == kLen14Bit) {
    uint8_t low;
    if (!Byte(&low)) {
      return false;
    }
    *len = (uint64_t{b & 0x3Fu} << 8) | low;
    return true;
  }
  int bytes = b == kLen32Bit ? 4 : b == kLen64Bit ? 8 : 0;
  if (bytes == 0) {
    return Fail("unknown length encoding " + std::to_string(b));
  }
  uint8_t buf[8];
  if (!in_.Read(buf, bytes)) {
    return Fail("unexpected end of data");
  }
  *len = 0;
  for (int i = 0; i < bytes; ++i) {
    *len = (*len << 8) | buf[i];
  }
  return true;
}

bool RdbDecoder::Count(uint64_t* n) {
  if (!Length(n)) {
    return false;
  }
  return *n <= kMaxElements || Fail("element count too large");
}

bool RdbDecoder::FunctionLibraryCode(uint8_t opcode, std::string* code) {
  if (opcode == kOpFunction2) {
    return String(code) || Fail("Failed loading library payload");
  }
  std::string name;
  std::string engine;
  std::string description;
  std::string body;
  uint64_t has_description = 0;
  if (!String(&name) || !String(&engine) || !Length(&has_description) ||
      (has_description != 0 && !String(&description)) || !String(&body)) {
    return Fail("Failed loading library");
  }
  *code = "#!" + engine + " name=" + name + "\n" + body;
  return true;
}

bool RdbDecoder::String(std::string* s) {
  bool encoded;
  uint64_t len;
  if (!Length(&len, &encoded)) {
    return false;
  }
  if (encoded) {
    uint8_t buf[4];
    switch (len) {
      case kEncInt8:
      case kEncInt16:
      case kEncInt32: {
        const size_t bytes = len == kEncInt8 ? 1 : len == kEncInt16 ? 2 : 4;
        if (!in_.Read(buf, bytes)) {
          return Fail("unexpected end of data");
        }
        *s = std::to_string(SignExtend(LoadLe(buf, bytes), static_cast<unsigned>(8 * bytes)));
        return true;
      }
      case kEncLzf: {
        uint64_t packed_len, plain_len;
        if (!Length(&packed_len) || !Length(&plain_len)) {
          return false;
        }
        if (packed_len > kMaxStringBytes || plain_len > kMaxStringBytes) {
          return Fail("compressed string too large");
        }
        std::string packed;
        if (!ReadGrowing(packed_len, &packed)) {
          return false;
        }
        if (!LzfDecompress(packed, plain_len, s)) {
          return Fail("invalid LZF compressed string");
        }
        return true;
      }
      default:
        return Fail("unknown string encoding " + std::to_string(len));
    }
  }
  if (len > kMaxStringBytes) {
    return Fail("string too large");
  }
  return ReadGrowing(len, s);
}

bool RdbDecoder::ReadGrowing(uint64_t len, std::string* s) {
  // Grown as it is read, so a corrupt length costs no more memory than the data present.
  s->clear();
  constexpr uint64_t kChunk = 1 << 20;
  while (s->size() < len) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(kChunk, len - s->size()));
    size_t at = s->size();
    s->resize(at + take);
    if (!in_.Read(s->data() + at, take)) {
      return Fail("unexpected end of data");
    }
  }
  return true;
}

bool RdbDecoder::Int64Le(int64_t* v) {
  uint8_t buf[8];
  if (!in_.Read(buf, 8)) {
    return Fail("unexpected end of data");
  }
  *v = static_cast<int64_t>(LoadLe(buf, 8));
  return true;
}

bool RdbDecoder::Int32Le(int32_t* v) {
  uint8_t buf[4];
  if (!in_.Read(buf, 4)) {
    return Fail("unexpected end of data");
  }
  *v = static_cast<int32_t>(SignExtend(LoadLe(buf, 4), 32));
  return true;
}

bool RdbDecoder::BinaryDouble(double* v) {
  int64_t bits;
  if (!Int64Le(&bits)) {
    return false;
  }
  std::memcpy(v, &bits, sizeof(*v));
  return true;
}

bool RdbDecoder::TextDouble(double* v) {
  uint8_t len;
  if (!Byte(&len)) {
    return false;
  }
  if (len == 253) {
    *v = NAN;
    return true;
  }
  if (len == 254 || len == 255) {
    *v = len == 254 ? INFINITY : -INFINITY;
    return true;
  }
  char buf[256];
  if (!in_.Read(buf, len)) {
    return Fail("unexpected end of data");
  }
  buf[len] = '\0';
  char* end = nullptr;
  *v = std::strtod(buf, &end);
  return end == buf + len || Fail("invalid double value");
}

bool RdbDecoder::LoadObject(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
                            const commands::RuntimeSettings& settings) {
  bool ok;
  switch (type) {
    case kRdbString: {
      std::string value;
      if (!String(&value)) {
        return false;
      }
      keyspace.SetString(db, key, value, storage::kNoExpire, false);
      return true;
    }
    case kRdbList:
    case kRdbListZiplist:
    case kRdbListQuicklist:
    case kRdbListQuicklist2:
      ok = LoadList(type, keyspace, db, key);
      break;
    case kRdbSet:
    case kRdbSetIntset:
      ok = LoadSet(type, keyspace, db, key, settings);
      break;
    case kRdbHash:
    case kRdbHashZipmap:
    case kRdbHashZiplist:
    case kRdbHashListpack:
      ok = LoadHash(type, keyspace, db, key, settings);
      break;
    case kRdbZset:
    case kRdbZset2:
    case kRdbZsetZiplist:
    case kRdbZsetListpack:
      ok = LoadZset(type, keyspace, db, key, settings);
      break;
    case kRdbStreamListpacks:
    case kRdbStreamListpacks2:
      ok = LoadStream(type, keyspace, db, key);
      break;
    case kRdbModulePreGa:
    case kRdbModule2:
      return Fail("module values are not supported (key '" + std::string(key) + "')");
    default:
      return Fail("unknown object type " + std::to_string(type));
  }
  if (!ok) {
    keyspace.Delete(db, key);  // nothing half-built stays
  }
  return ok;
}

bool RdbDecoder::LoadList(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key) {
  std::vector<std::string> elements;
  auto push_all = [&]() {
    if (elements.empty()) {
      return;
    }
    storage::Entry* e = keyspace.Find(db, key, storage::Access::kNoTouch);
    if (e == nullptr) {
      e = keyspace.CreateList(db, key);
    }
    storage::ListValue& list = e->mutable_list();
    size_t before = list.AllocatedBytes();
    for (const std::string& el : elements) {
      list.PushBack(el);
    }
    keyspace.AdjustUsedBytes(
        key, static_cast<int64_t>(list.AllocatedBytes()) - static_cast<int64_t>(before));
    elements.clear();
  };
  std::string error;
  if (type == kRdbList) {
    uint64_t n;
    if (!Count(&n)) {
      return false;
    }
    for (uint64_t i = 0; i < n; ++i) {
      std::string el;
      if (!String(&el)) {
        return false;
      }
      elements.push_back(std::move(el));
      if (elements.size() >= 1024) {
        push_all();
      }
    }
  } else if (type == kRdbListZiplist) {
    std::string blob;
    if (!String(&blob)) {
      return false;
    }
    if (!DecodeZiplist(blob, &elements, &error)) {
      return Fail("invalid ziplist: " + error);
    }
    push_all();
  } else {
    uint64_t nodes;
    if (!Count(&nodes)) {
      return false;
    }
    for (uint64_t i = 0; i < nodes; ++i) {
      uint64_t container = kQuicklistPacked;
      if (type == kRdbListQuicklist2 && !Length(&container)) {
        return false;
      }
      std::string blob;
      if (!String(&blob)) {
        return false;
      }
      if (type == kRdbListQuicklist2 && container == kQuicklistPlain) {
        elements.push_back(std::move(blob));
      } else if (type == kRdbListQuicklist2 && container == kQuicklistPacked) {
        if (!DecodeListpack(blob, &elements, &error)) {
          return Fail("invalid listpack: " + error);
        }
      } else if (type == kRdbListQuicklist) {
        if (!DecodeZiplist(blob, &elements, &error)) {
          return Fail("invalid ziplist: " + error);
        }
      } else {
        return Fail("unknown quicklist node container " + std::to_string(container));
      }
      push_all();
    }
  }
  push_all();
  if (keyspace.Find(db, key, storage::Access::kNoTouch) == nullptr) {
    return Fail("empty list");
  }
  return true;
}

bool RdbDecoder::LoadSet(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
                         const commands::RuntimeSettings& settings) {
  std::vector<std::string> members;
  if (type == kRdbSetIntset) {
    std::string blob, error;
    std::vector<int64_t> values;
    if (!String(&blob)) {
      return false;
    }
    if (!DecodeIntset(blob, &values, &error)) {
      return Fail("invalid intset: " + error);
    }
    for (int64_t v : values) {
      members.push_back(std::to_string(v));
    }
  } else {
    uint64_t n;
    if (!Count(&n)) {
      return false;
    }
    for (uint64_t i = 0; i < n; ++i) {
      std::string m;
      if (!String(&m)) {
        return false;
      }
      members.push_back(std::move(m));
    }
  }
  if (members.empty()) {
    return Fail("empty set");
  }
  commands::SetWriter set(keyspace, db, key, nullptr, settings, members[0]);
  for (const std::string& m : members) {
    if (!set.Add(m)) {
      set.Finish();
      return Fail("duplicate set member");
    }
  }
  set.Finish();
  return true;
}

bool RdbDecoder::LoadHash(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
                          const commands::RuntimeSettings& settings) {
  std::vector<std::string> flat;  // field, value, field, value, ...
  std::string error;
  if (type == kRdbHash) {
    uint64_t n;
    if (!Count(&n)) {
      return false;
    }
    for (uint64_t i = 0; i < 2 * n; ++i) {
      std::string s;
      if (!String(&s)) {
        return false;
      }
      flat.push_back(std::move(s));
    }
  } else {
    std::string blob;
    if (!String(&blob)) {
      return false;
    }
    bool ok = type == kRdbHashZipmap    ? DecodeZipmap(blob, &flat, &error)
              : type == kRdbHashZiplist ? DecodeZiplist(blob, &flat, &error)
                                        : DecodeListpack(blob, &flat, &error);
    if (!ok) {
      return Fail("invalid hash encoding: " + error);
    }
    if (flat.size() % 2 != 0) {
      return Fail("hash with a field but no value");
    }
  }
  if (flat.empty()) {
    return Fail("empty hash");
  }
  commands::HashWriter hash(keyspace, db, key, nullptr, settings);
  for (size_t i = 0; i < flat.size(); i += 2) {
    if (!hash.Set(flat[i], flat[i + 1])) {
      hash.Finish();
      return Fail("duplicate hash field");
    }
  }
  hash.Finish();
  return true;
}

bool RdbDecoder::LoadZset(uint8_t type, storage::Keyspace& keyspace, int db, std::string_view key,
                          const commands::RuntimeSettings& settings) {
  std::vector<std::pair<std::string, double>> elements;
  size_t longest = 0;
  if (type == kRdbZset || type == kRdbZset2) {
    uint64_t n;
    if (!Count(&n)) {
      return false;
    }
    for (uint64_t i = 0; i < n; ++i) {
      std::string member;
      double score;
      if (!String(&member) || !(type == kRdbZset2 ? BinaryDouble(&score) : TextDouble(&score))) {
        return false;
      }
      longest = std::max(longest, member.size());
      elements.emplace_back(std::move(member), score);
    }
  } else {
    std::string blob, error;
    std::vector<std::string> flat;
    if (!String(&blob)) {
      return false;
    }
    bool ok = type == kRdbZsetZiplist ? DecodeZiplist(blob, &flat, &error)
                                      : DecodeListpack(blob, &flat, &error);
    if (!ok) {
      return Fail("invalid sorted set encoding: " + error);
    }
    if (flat.size() % 2 != 0) {
      return Fail("sorted set member without a score");
    }
    for (size_t i = 0; i < flat.size(); i += 2) {
      std::optional<double> score = common::ParseDouble(flat[i + 1]);
      if (!score) {
        return Fail("invalid sorted set score");
      }
      longest = std::max(longest, flat[i].size());
      elements.emplace_back(std::move(flat[i]), *score);
    }
  }
  if (elements.empty()) {
    return Fail("empty sorted set");
  }
  commands::ZsetWriter zset(keyspace, db, key, nullptr, settings, elements.size(), longest);
  for (const auto& [member, score] : elements) {
    if (std::isnan(score)) {
      zset.Finish();
      return Fail("sorted set score is NaN");
    }
    if (!zset.Set(member, score)) {
      zset.Finish();
      return Fail("duplicate sorted set member");
    }
  }
  zset.Finish();
  return true;
}

}  // namespace redoubt::persistence
