// RESP encoding of propagated commands and the per-call batch; see command_log.h.
#include "commands/command_log.h"

#include <absl/strings/numbers.h>

namespace redoubt::commands {
namespace {

void AppendHeader(std::string* out, char kind, size_t n) {
  char digits[32];
  char* end = absl::numbers_internal::FastIntToBuffer(static_cast<uint64_t>(n), digits);
  out->push_back(kind);
  out->append(digits, end);
  out->append("\r\n");
}

template <typename Args>
void AppendArgs(std::string* out, const Args& args) {
  AppendHeader(out, '*', args.size());
  for (std::string_view arg : args) {
    AppendRespBulk(out, arg);
  }
}

}  // namespace

void AppendRespArrayHeader(std::string* out, size_t arguments) {
  AppendHeader(out, '*', arguments);
}

void AppendRespBulk(std::string* out, std::string_view arg) {
  AppendHeader(out, '$', arg.size());
  out->append(arg);
  out->append("\r\n");
}

void AppendRespCommand(std::string* out, std::span<const std::string_view> args) {
  AppendArgs(out, args);
}

void AppendRespCommand(std::string* out, std::initializer_list<std::string_view> args) {
  AppendArgs(out, args);
}

void AppendSelect(std::string* out, int db) {
  char digits[16];
  char* end = absl::numbers_internal::FastIntToBuffer(db, digits);
  AppendRespCommand(out, {"SELECT", std::string_view(digits, end - digits)});
}

void PropagationBatch::Add(int db, std::span<const std::string_view> args) {
  if (commands_ == 0) {
    first_db_ = db;
    current_db_ = db;
  } else if (db != current_db_) {
    // A transaction that SELECTs (or a MOVE-like change of database inside one).
    AppendSelect(&bytes_, db);
    current_db_ = db;
  }
  AppendRespCommand(&bytes_, args);
  ++commands_;
}

void PropagationBatch::Clear() {
  bytes_.clear();
  first_db_ = -1;
  current_db_ = -1;
  commands_ = 0;
}

void PropagationBatch::Flush(CommandLog& log) {
  if (commands_ == 0) {
    return;
  }
  if (commands_ == 1) {
    log.Append(first_db_, current_db_, bytes_);
  } else {
    std::string wrapped;
    wrapped.reserve(bytes_.size() + 32);
    AppendRespCommand(&wrapped, {"MULTI"});
    wrapped.append(bytes_);
    AppendRespCommand(&wrapped, {"EXEC"});
    log.Append(first_db_, current_db_, wrapped);
  }
  bytes_.clear();
  commands_ = 0;
}

}  // namespace redoubt::commands
