// Loading the append-only file; see aof_loader.h.
#include "persistence/aof_loader.h"

#include <absl/strings/match.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "common/log.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_loader.h"

namespace redoubt::persistence {
namespace {

// Reads the commands of an AOF file: RESP arrays of bulk strings, with '#' annotation lines
// between them (aof-timestamp-enabled), through a buffer.
class AofCommandReader {
 public:
  AofCommandReader(int fd, uint64_t start) : fd_(fd), consumed_(start), valid_(start) {}

  enum class Next { kCommand, kEnd, kTorn, kBadFormat, kIoError };

  Next Read(std::vector<std::string>* argv) {
    argv->clear();
    std::string line;
    while (true) {
      if (!ReadLine(&line)) {
        return at_eof_ ? (line.empty() ? Next::kEnd : Next::kTorn) : Next::kIoError;
      }
      if (line[0] != '#') {
        break;
      }
      valid_ = consumed_;  // an annotation is whole once its newline is read
    }
    int64_t argc;
    if (line[0] != '*' || !ParseCount(line, &argc) || argc < 1) {
      return Next::kBadFormat;
    }
    argv->reserve(static_cast<size_t>(std::min<int64_t>(argc, 1024)));
    for (int64_t i = 0; i < argc; ++i) {
      if (!ReadLine(&line)) {
        return at_eof_ ? Next::kTorn : Next::kIoError;
      }
      int64_t len;
      if (line[0] != '$' || !ParseCount(line, &len) || len < 0) {
        return Next::kBadFormat;
      }
      std::string& arg = argv->emplace_back();
      if (!ReadBytes(static_cast<size_t>(len) + 2, &arg)) {
        return at_eof_ ? Next::kTorn : Next::kIoError;
      }
      arg.resize(static_cast<size_t>(len));  // drops the CRLF
    }
    valid_ = consumed_;
    return Next::kCommand;
  }

  // The offset just after the last whole command (or annotation): where a torn tail starts.
  uint64_t valid_offset() const { return valid_; }
  uint64_t offset() const { return consumed_; }
  int error() const { return errno_; }

 private:
  // "*3\r\n" / "$5\r\n": the number after the type byte.
  static bool ParseCount(const std::string& line, int64_t* n) {
    // The digits, then "\r\n" (Redis's strtol stops at the CR).
    const char* begin = line.data() + 1;
    const char* end = line.data() + line.size();
    while (end > begin && (end[-1] == '\n' || end[-1] == '\r')) {
      --end;
    }
    auto [ptr, ec] = std::from_chars(begin, end, *n);
    return ec == std::errc() && ptr == end && begin != end;
  }

  bool Fill() {
    if (pos_ < buffer_.size()) {
      return true;
    }
    buffer_.resize(1 << 16);
    ssize_t n;
    do {
      n = read(fd_, buffer_.data(), buffer_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      errno_ = errno;
      buffer_.clear();
      pos_ = 0;
      return false;
    }
    buffer_.resize(static_cast<size_t>(n));
    pos_ = 0;
    at_eof_ = n == 0;
    return n > 0;
  }

  // A line up to and including '\n'; false at the end of the input (line holds what there
  // was) or on an error.
  bool ReadLine(std::string* line) {
    line->clear();
    while (true) {
      if (!Fill()) {
        return false;
      }
      const char* start = buffer_.data() + pos_;
      size_t avail = buffer_.size() - pos_;
      const void* nl = memchr(start, '\n', avail);
      size_t take =
          nl == nullptr ? avail : static_cast<size_t>(static_cast<const char*>(nl) - start) + 1;
      line->append(start, take);
      pos_ += take;
      consumed_ += take;
      if (nl != nullptr) {
        return true;
      }
    }
  }

  bool ReadBytes(size_t n, std::string* out) {
    out->clear();
    out->reserve(n);
    while (out->size() < n) {
      if (!Fill()) {
        return false;
      }
      size_t take = std::min(n - out->size(), buffer_.size() - pos_);
      out->append(buffer_.data() + pos_, take);
      pos_ += take;
      consumed_ += take;
    }
    return true;
  }

  const int fd_;
  std::string buffer_;
  size_t pos_ = 0;
  uint64_t consumed_;
  uint64_t valid_;
  bool at_eof_ = false;
  int errno_ = 0;
};

absl::Status RunCommand(const std::vector<std::string>& argv, const AofCommandRunner& run) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  return run(views);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

absl::Status LoadAofFile(const std::string& path, bool last, storage::Keyspace& keyspace,
                         const commands::RuntimeSettings& settings, const AofLoadOptions& options,
                         const AofCommandRunner& run, AofLoadResult* result) {
  const std::string name = BaseName(path);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError("The AOF file " + name + " doesn't exist");
    }
    return absl::InternalError("Fatal error: can't open the append log file " + name +
                               " for reading: " + strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size == 0) {
    // An empty file holds nothing (Redis logs it and goes on).
    close(fd);
    return absl::OkStatus();
  }
  // An RDB base, or an AOF that starts with an RDB preamble ("REDIS"), is read as RDB first.
  uint64_t start = 0;
  char magic[5] = {};
  if (pread(fd, magic, sizeof(magic), 0) == static_cast<ssize_t>(sizeof(magic)) &&
      memcmp(magic, "REDIS", 5) == 0) {
    RdbInput in(fd);
    RdbLoadOptions rdb{.verify_checksum = options.verify_checksum,
                       // As Redis loads an AOF's RDB part: keys past their TTL are kept; the
                       // replay's own DELs remove them.
                       .skip_expired = false,
                       .functions = options.functions};
    RdbLoadResult loaded;
    if (absl::Status s = LoadRdb(in, keyspace, settings, rdb, &loaded); !s.ok()) {
      close(fd);
      return absl::DataLossError("Error reading the RDB base file " + name +
                                 ", AOF loading aborted: " + std::string(s.message()));
    }
    start = in.offset();
    if (lseek(fd, static_cast<off_t>(start), SEEK_SET) < 0) {
      close(fd);
      return absl::InternalError("Can't seek in " + name + ": " + strerror(errno));
    }
  }
  AofCommandReader reader(fd, start);
  std::vector<std::string> argv;
  // MULTI's commands, run at EXEC; where the file was valid before the MULTI.
  std::vector<std::vector<std::string>> transaction;
  bool in_multi = false;
  uint64_t valid_before_multi = 0;
  AofCommandReader::Next next;
  while (true) {
    const uint64_t before = reader.valid_offset();
    if ((next = reader.Read(&argv)) != AofCommandReader::Next::kCommand) {
      break;
    }
    if (absl::EqualsIgnoreCase(argv[0], "multi")) {
      if (!in_multi) {
        valid_before_multi = before;
      }
      in_multi = true;
      transaction.clear();
      continue;
    }
    if (in_multi && absl::EqualsIgnoreCase(argv[0], "exec")) {
      for (const std::vector<std::string>& cmd : transaction) {
        if (absl::Status s = RunCommand(cmd, run); !s.ok()) {
          close(fd);
          return absl::InvalidArgumentError(std::string(s.message()) +
                                            " reading the append only file " + name);
        }
      }
      transaction.clear();
      in_multi = false;
      continue;
    }
    if (in_multi) {
      transaction.push_back(std::move(argv));
      argv = {};
      continue;
    }
    if (absl::Status s = RunCommand(argv, run); !s.ok()) {
      close(fd);
      return absl::InvalidArgumentError(std::string(s.message()) +
                                        " reading the append only file " + name);
    }
  }
  absl::Status status = absl::OkStatus();
  uint64_t valid = reader.valid_offset();
  bool torn = false;
  switch (next) {
    case AofCommandReader::Next::kEnd:
      if (in_multi) {
        common::Log(common::LogLevel::kWarning,
                    "Revert incomplete MULTI/EXEC transaction in AOF file " + name);
        torn = true;
      }
      break;
    case AofCommandReader::Next::kTorn:
      common::Log(common::LogLevel::kWarning,
                  "!!! Warning: short read while loading the AOF file " + name + "!!!");
      torn = true;
      break;
    case AofCommandReader::Next::kBadFormat:
      status = absl::DataLossError("Bad file format reading the append only file " + name +
                                   " at offset " + std::to_string(reader.valid_offset()) +
                                   ": make a backup of your AOF file, then use redoubt-check-aof "
                                   "or redis-check-aof --fix <filename.manifest>");
      break;
    case AofCommandReader::Next::kIoError:
      status = absl::InternalError("Unrecoverable error reading the append only file " + name +
                                   ": " + strerror(reader.error()));
      break;
    case AofCommandReader::Next::kCommand:
      break;
  }
  if (torn) {
    if (in_multi) {
      valid = std::min(valid, valid_before_multi);
    }
    if (!last || !options.load_truncated) {
      status = absl::DataLossError(
          "Unexpected end of file reading the append only file " + name + " at offset " +
          std::to_string(valid) +
          (last ? ". You can: 1) make a backup of your AOF file, then use redis-check-aof --fix "
                  "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
                  "configuration option to yes and restart the server."
                : " (not the last file: only the last may end early)"));
    } else if (truncate(path.c_str(), static_cast<off_t>(valid)) != 0) {
      status =
          absl::InternalError("Error truncating the AOF file " + name + ": " + strerror(errno));
    } else {
      common::Log(common::LogLevel::kWarning, "!!! Truncating the AOF " + name + " at offset " +
                                                  std::to_string(valid) + " !!!");
      common::Log(common::LogLevel::kWarning,
                  "AOF " + name + " loaded anyway because aof-load-truncated is enabled");
    }
  }
  close(fd);
  if (status.ok()) {
    uint64_t size = torn ? valid : static_cast<uint64_t>(st.st_size);
    result->total_size += size;
  }
  return status;
}

absl::Status LoadAof(const std::string& dir, const AofManifest& manifest,
                     storage::Keyspace& keyspace, const commands::RuntimeSettings& settings,
                     const AofLoadOptions& options, const AofCommandRunner& run,
                     AofLoadResult* result) {
  if (manifest.base) {
    const std::string path = dir + "/" + manifest.base->name;
    const bool last = manifest.incrs.empty();
    absl::Status s = LoadAofFile(path, last, keyspace, settings, options, run, result);
    if (!s.ok()) {
      return s;
    }
    result->base_size = result->total_size;
    common::Log(common::LogLevel::kNotice, "DB loaded from base file " + manifest.base->name);
  }
  for (size_t i = 0; i < manifest.incrs.size(); ++i) {
    const AofFileInfo& f = manifest.incrs[i];
    const bool last = i + 1 == manifest.incrs.size();
    absl::Status s =
        LoadAofFile(dir + "/" + f.name, last, keyspace, settings, options, run, result);
    if (!s.ok()) {
      return s;
    }
    common::Log(common::LogLevel::kNotice, "DB loaded from incr file " + f.name);
  }
  return absl::OkStatus();
}

}  // namespace redoubt::persistence
