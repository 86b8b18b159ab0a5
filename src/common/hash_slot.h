// Redis Cluster's hash slot of a key: CRC-16/XMODEM of the key, or of its hash tag (the bytes
// between the first '{' and the first '}' after it, when there is at least one), modulo 16384.
// Keys that share a tag share a slot, so a multi-key command can name them together.
//
// In common/ because both the keyspace (which shards by slot in cluster mode, so that a slot's
// keys sit under one lock) and the cluster's routing need it.
//
// In cluster mode one command's key is looked up by code that knows nothing of the rest (the
// router, the key's shard lock, the keyspace's shard): KnownKeySlot lets the dispatcher say,
// for the command it runs, "this key's slot is already known", so that the slot is computed
// once per command and not once per layer.
//
// Thread: pure functions; KnownKeySlot is per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace redoubt::common {

inline constexpr int kClusterSlots = 16384;

// CRC-16/XMODEM (polynomial 0x1021, initial 0, no reflection, no final xor), as Redis's crc16.c.
// By carry-less multiplication where the CPU has it, else by tables (Crc16XmodemTables, which
// the tests and the micro benchmark also call directly).
uint16_t Crc16Xmodem(std::string_view bytes);
uint16_t Crc16XmodemTables(std::string_view bytes);
// Whether Crc16Xmodem multiplies (for keys of 16 bytes and more) on this CPU.
bool Crc16UsesClmul();

// The bytes that decide a key's slot: its hash tag when it has a non-empty one, else the key.
std::string_view HashTagOf(std::string_view key);

// 0 .. kClusterSlots - 1, computed.
int ComputeKeyHashSlot(std::string_view key);

// The slot of the running command's key, known by the key's address and length: while one is
// in scope, KeyHashSlot of that very view (the same bytes of the command's arguments) costs two
// compares. An address names the same bytes only while the arguments live unchanged, which is
// why the scope is one command's (the dispatcher's Request); scopes nest (a script's command
// inside EVAL) and restore what they hid.
class KnownKeySlot {
  struct Known {
    const char* data;
    size_t size;
    int slot;
  };
  static constexpr Known kNone{nullptr, SIZE_MAX, -1};  // a size no view has

 public:
  KnownKeySlot() = default;
  KnownKeySlot(const KnownKeySlot&) = delete;
  KnownKeySlot& operator=(const KnownKeySlot&) = delete;
  ~KnownKeySlot() {
    if (installed_) {
      current = saved_;
    }
  }

  // Requires: slot == ComputeKeyHashSlot(key), and key's bytes outlive this object.
  void Set(std::string_view key, int slot) {
    if (!installed_) {
      saved_ = current;
      installed_ = true;
    }
    current = {key.data(), key.size(), slot};
  }

  // The known slot of exactly this view, or -1.
  static int Of(std::string_view key) {
    return key.data() == current.data && key.size() == current.size ? current.slot : -1;
  }

 private:
  // constinit, and defined here: code in any file reads it directly, with no call to a
  // thread-local initialisation wrapper.
  static constinit inline thread_local Known current = kNone;
  Known saved_ = kNone;
  bool installed_ = false;
};

// 0 .. kClusterSlots - 1.
inline int KeyHashSlot(std::string_view key) {
  const int known = KnownKeySlot::Of(key);
  return known >= 0 ? known : ComputeKeyHashSlot(key);
}

}  // namespace redoubt::common
