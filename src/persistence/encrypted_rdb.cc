// The encrypted snapshot container; see encrypted_rdb.h.
#include "persistence/encrypted_rdb.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace redoubt::persistence {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kSaltBytes = 32;
constexpr size_t kTagBytes = 16;
constexpr size_t kNonceBytes = 12;
constexpr uint32_t kLastChunk = 0x80000000u;
// A chunk size read from a file bounds an allocation before anything is authenticated.
constexpr uint32_t kMaxChunkSize = 16u << 20;
constexpr size_t kMaxKeyIdBytes = 64;
// Sealed chunks are handed to the sink in pieces about this big (fewer writes).
constexpr size_t kSinkPieceBytes = 1 << 20;
constexpr std::string_view kHkdfLabel = "redoubt rdb v1";

void AppendLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

uint64_t ReadLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(p[i]) << (8 * i);
  }
  return v;
}

// The file's own key: HKDF-SHA256 of the configured key with the file's salt.
absl::Status DeriveFileKey(const EncryptionKey& key, const uint8_t* salt,
                           std::array<uint8_t, 32>* out) {
  common::UniqueEvpKdf kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  common::UniqueEvpKdfCtx ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) {
    return absl::InternalError("OpenSSL has no HKDF");
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.bytes.data()),
                                        key.bytes.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt),
                                        kSaltBytes),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kHkdfLabel.data()),
                                        kHkdfLabel.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_KDF_derive(ctx.get(), out->data(), out->size(), params) != 1) {
    return absl::InternalError("HKDF failed");
  }
  return absl::OkStatus();
}

// Sets the chunk's nonce (its index) and feeds its additional data; for either direction.
bool StartChunk(EVP_CIPHER_CTX* ctx, bool encrypt, const std::array<uint8_t, 32>& key,
                const std::string& header, uint64_t index, uint32_t word) {
  uint8_t nonce[kNonceBytes] = {};
  for (int i = 0; i < 8; ++i) {
    nonce[i] = static_cast<uint8_t>(index >> (8 * i));
  }
  std::string aad = header;
  AppendLe(&aad, index, 8);
  AppendLe(&aad, word, 4);
  int len = 0;
  auto* aad_bytes = reinterpret_cast<const uint8_t*>(aad.data());
  const int aad_len = static_cast<int>(aad.size());
  if (encrypt) {
    return EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce) == 1 &&
           EVP_EncryptUpdate(ctx, nullptr, &len, aad_bytes, aad_len) == 1;
  }
  return EVP_DecryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce) == 1 &&
         EVP_DecryptUpdate(ctx, nullptr, &len, aad_bytes, aad_len) == 1;
}

}  // namespace

bool IsEncryptedRdb(std::string_view prefix) {
  return prefix.substr(0, kEncryptedRdbMagic.size()) == kEncryptedRdbMagic;
}

// ---- Writing

EncryptedRdbWriter::EncryptedRdbWriter(ByteSink out, uint32_t chunk_size)
    : out_(std::move(out)), chunk_size_(chunk_size) {}

EncryptedRdbWriter::~EncryptedRdbWriter() {
  OPENSSL_cleanse(file_key_.data(), file_key_.size());
  OPENSSL_cleanse(plain_.data(), plain_.size());
}

absl::StatusOr<std::unique_ptr<EncryptedRdbWriter>> EncryptedRdbWriter::Create(
    const EncryptionKey& key, ByteSink out, uint32_t chunk_size) {
  if (chunk_size == 0 || chunk_size > kMaxChunkSize) {
    return absl::InvalidArgumentError("chunk size out of range");
  }
  std::unique_ptr<EncryptedRdbWriter> w(new EncryptedRdbWriter(std::move(out), chunk_size));
  uint8_t salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof(salt)) != 1) {
    return absl::InternalError("no random bytes for the snapshot's salt");
  }
  if (absl::Status st = DeriveFileKey(key, salt, &w->file_key_); !st.ok()) {
    return st;
  }
  w->cipher_.reset(EVP_CIPHER_CTX_new());
  if (!w->cipher_ ||
      EVP_EncryptInit_ex(w->cipher_.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1) {
    return absl::InternalError("OpenSSL has no AES-256-GCM");
  }
  w->header_.append(kEncryptedRdbMagic);
  w->header_.push_back(static_cast<char>(kFormatVersion));
  w->header_.push_back(static_cast<char>(key.id.size()));
  w->header_.append(key.id);
  w->header_.append(reinterpret_cast<const char*>(salt), sizeof(salt));
  AppendLe(&w->header_, chunk_size, 4);
  w->sealed_ = w->header_;
  w->plain_.reserve(chunk_size);
  return w;
}

absl::Status EncryptedRdbWriter::Write(std::string_view plaintext) {
  while (!plaintext.empty()) {
    size_t take = std::min<size_t>(chunk_size_ - plain_.size(), plaintext.size());
    plain_.append(plaintext.substr(0, take));
    plaintext.remove_prefix(take);
    if (plain_.size() == chunk_size_) {
      if (absl::Status st = SealChunk(false); !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status EncryptedRdbWriter::Finish() {
  return SealChunk(true);
}

absl::Status EncryptedRdbWriter::SealChunk(bool last) {
  const uint32_t word = static_cast<uint32_t>(plain_.size()) | (last ? kLastChunk : 0);
  if (!StartChunk(cipher_.get(), true, file_key_, header_, index_, word)) {
    return absl::InternalError("AES-256-GCM failed to start a chunk");
  }
  AppendLe(&sealed_, word, 4);
  size_t at = sealed_.size();
  sealed_.resize(at + plain_.size() + kTagBytes);
  auto* dst = reinterpret_cast<uint8_t*>(sealed_.data() + at);
  int len = 0;
  int tail = 0;
  if (EVP_EncryptUpdate(cipher_.get(), dst, &len, reinterpret_cast<const uint8_t*>(plain_.data()),
                        static_cast<int>(plain_.size())) != 1 ||
      EVP_EncryptFinal_ex(cipher_.get(), dst + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(cipher_.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, dst + plain_.size()) !=
          1) {
    return absl::InternalError("AES-256-GCM failed to seal a chunk");
  }
  ++index_;
  OPENSSL_cleanse(plain_.data(), plain_.size());
  plain_.clear();
  if (sealed_.size() >= kSinkPieceBytes || last) {
    absl::Status st = out_(sealed_);
    sealed_.clear();
    return st;
  }
  return absl::OkStatus();
}

// ---- Reading

EncryptedRdbReader::~EncryptedRdbReader() {
  OPENSSL_cleanse(file_key_.data(), file_key_.size());
}

absl::Status EncryptedRdbReader::ReadExactly(void* dst, size_t n, const char* what) {
  auto* out = static_cast<char*>(dst);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(fd_, out + done, n - done);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r < 0) {
      return absl::UnavailableError("read error at offset " + std::to_string(offset_ + done) +
                                    ": " + std::strerror(errno));
    }
    if (r == 0) {
      return absl::DataLossError("Truncated encrypted RDB: the file ends at offset " +
                                 std::to_string(offset_ + done) + ", inside " + what);
    }
    done += static_cast<size_t>(r);
  }
  offset_ += n;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EncryptedRdbReader>> EncryptedRdbReader::Open(
    int fd, const EncryptionKeyring* keys) {
  std::unique_ptr<EncryptedRdbReader> r(new EncryptedRdbReader(fd));
  std::string fixed(kEncryptedRdbMagic.size() + 2, '\0');
  if (absl::Status st = r->ReadExactly(fixed.data(), fixed.size(), "its header"); !st.ok()) {
    return st;
  }
  if (!IsEncryptedRdb(fixed)) {
    return absl::InvalidArgumentError("not an encrypted RDB file");
  }
  const auto version = static_cast<uint8_t>(fixed[kEncryptedRdbMagic.size()]);
  const auto id_len = static_cast<uint8_t>(fixed[kEncryptedRdbMagic.size() + 1]);
  if (version != kFormatVersion) {
    return absl::DataLossError("Unsupported encrypted RDB format version " +
                               std::to_string(version) + " at offset " +
                               std::to_string(kEncryptedRdbMagic.size()));
  }
  if (id_len == 0 || id_len > kMaxKeyIdBytes) {
    return absl::DataLossError("Damaged encrypted RDB header: key id length " +
                               std::to_string(id_len) + " at offset " +
                               std::to_string(kEncryptedRdbMagic.size() + 1));
  }
  std::string rest(id_len + kSaltBytes + 4, '\0');
  if (absl::Status st = r->ReadExactly(rest.data(), rest.size(), "its header"); !st.ok()) {
    return st;
  }
  r->header_ = fixed + rest;
  r->key_id_ = rest.substr(0, id_len);
  for (char c : r->key_id_) {
    if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
      return absl::DataLossError("Damaged encrypted RDB header: the key id is not hexadecimal");
    }
  }
  r->chunk_size_ = static_cast<uint32_t>(
      ReadLe(reinterpret_cast<const uint8_t*>(rest.data()) + id_len + kSaltBytes, 4));
  if (r->chunk_size_ == 0 || r->chunk_size_ > kMaxChunkSize) {
    return absl::DataLossError("Damaged encrypted RDB header: chunk size " +
                               std::to_string(r->chunk_size_) + " at offset " +
                               std::to_string(r->header_.size() - 4));
  }
  if (keys == nullptr) {
    return absl::FailedPreconditionError("The RDB file is encrypted (key id " + r->key_id_ +
                                         ") and no rdb-encryption-key-file is set");
  }
  const EncryptionKey* key = keys->Find(r->key_id_);
  if (key == nullptr) {
    return absl::FailedPreconditionError("The RDB file is encrypted with key id " + r->key_id_ +
                                         ", which none of the configured keys has (" +
                                         keys->DescribeIds() +
                                         "); name its key file in rdb-encryption-old-key-files");
  }
  r->old_key_ = !keys->current.has_value() || keys->current->id != key->id;
  if (absl::Status st = DeriveFileKey(*key, reinterpret_cast<const uint8_t*>(rest.data()) + id_len,
                                      &r->file_key_);
      !st.ok()) {
    return st;
  }
  r->cipher_.reset(EVP_CIPHER_CTX_new());
  if (!r->cipher_ ||
      EVP_DecryptInit_ex(r->cipher_.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1) {
    return absl::InternalError("OpenSSL has no AES-256-GCM");
  }
  r->sealed_.reserve(r->chunk_size_ + kTagBytes);
  return r;
}

absl::StatusOr<bool> EncryptedRdbReader::Next(std::string* out) {
  out->clear();
  if (done_) {
    return false;
  }
  const uint64_t chunk_offset = offset_;
  uint8_t word_bytes[4];
  if (absl::Status st = ReadExactly(word_bytes, sizeof(word_bytes),
                                    "a chunk's length (the "
                                    "last chunk is missing)");
      !st.ok()) {
    return st;
  }
  const auto word = static_cast<uint32_t>(ReadLe(word_bytes, 4));
  const bool last = (word & kLastChunk) != 0;
  const uint32_t len = word & ~kLastChunk;
  if (len > chunk_size_ || (!last && len != chunk_size_)) {
    return absl::DataLossError("Damaged encrypted RDB: chunk " + std::to_string(index_) +
                               " at offset " + std::to_string(chunk_offset) +
                               " has a bad length word");
  }
  sealed_.resize(len + kTagBytes);
  if (absl::Status st = ReadExactly(sealed_.data(), sealed_.size(), "a chunk"); !st.ok()) {
    return st;
  }
  out->resize(len);
  auto* src = reinterpret_cast<uint8_t*>(sealed_.data());
  int n = 0;
  int tail = 0;
  bool ok =
      StartChunk(cipher_.get(), false, file_key_, header_, index_, word) &&
      EVP_DecryptUpdate(cipher_.get(), reinterpret_cast<uint8_t*>(out->data()), &n, src,
                        static_cast<int>(len)) == 1 &&
      EVP_CIPHER_CTX_ctrl(cipher_.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, src + len) == 1 &&
      EVP_DecryptFinal_ex(cipher_.get(), reinterpret_cast<uint8_t*>(out->data()) + n, &tail) == 1;
  if (!ok) {
    OPENSSL_cleanse(out->data(), out->size());
    out->clear();
    return absl::DataLossError("The encrypted RDB fails authentication at offset " +
                               std::to_string(chunk_offset) + " (chunk " + std::to_string(index_) +
                               "): the file was changed or damaged after it was written");
  }
  ++index_;
  if (last) {
    char extra;
    ssize_t r;
    do {
      r = ::read(fd_, &extra, 1);
    } while (r < 0 && errno == EINTR);
    if (r != 0) {
      return absl::DataLossError(
          "Damaged encrypted RDB: unexpected bytes after the last chunk "
          "at offset " +
          std::to_string(offset_));
    }
    done_ = true;
  }
  return true;
}

absl::Status VerifyEncryptedRdb(int fd, const EncryptionKeyring* keys) {
  absl::StatusOr<std::unique_ptr<EncryptedRdbReader>> reader = EncryptedRdbReader::Open(fd, keys);
  if (!reader.ok()) {
    return reader.status();
  }
  std::string plain;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&plain);
    if (!more.ok()) {
      return more.status();
    }
    if (!*more) {
      break;
    }
  }
  OPENSSL_cleanse(plain.data(), plain.size());
  return absl::OkStatus();
}

}  // namespace redoubt::persistence
