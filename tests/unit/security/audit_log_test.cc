// The audit log: records reach the file as JSON lines, rotation by rename + Reopen, refused
// paths that leave the open log working, and a bounded queue that never makes Record() wait
// for a stalled writer and accounts for every record (written + dropped == submitted).
#include "security/audit_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "security/audit_event.h"

namespace redoubt::security {
namespace {

using nlohmann::json;

class AuditLogTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "audit_log_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The file's lines, each checked to be a JSON object; the file must end with a newline.
std::vector<json> ReadRecords(const std::string& path) {
  std::string content = ReadFile(path);
  std::vector<json> records;
  if (content.empty()) {
    return records;
  }
  EXPECT_EQ(content.back(), '\n') << path;
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << path << ": " << line;
    records.push_back(std::move(j));
  }
  return records;
}

// A small record whose client_id tells the records of a test apart.
std::string Line(uint64_t id) {
  return DisconnectAuditRecord{.reason = "test", .client_id = id, .user = "default"}.ToJsonLine();
}

std::vector<uint64_t> Ids(const std::vector<json>& records) {
  std::vector<uint64_t> ids;
  for (const json& j : records) {
    ids.push_back(j.value("client_id", uint64_t{0}));
  }
  return ids;
}

TEST_F(AuditLogTest, RecordsAppearAsJsonLinesWithTheirFields) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());

  log.Record(ConnectAuditRecord{.client_id = 1,
                                .source_address = "10.1.2.3",
                                .source_port = 51000,
                                .local_port = 6379,
                                .transport = AuditTransport::kTls,
                                .tls_version = "TLSv1.3",
                                .tls_cipher = "TLS_AES_128_GCM_SHA256"});
  log.Record(AuthAuditRecord{.success = true,
                             .user = "alice",
                             .method = AuthMethod::kAuth,
                             .client_id = 1,
                             .source_address = "10.1.2.3",
                             .source_port = 51000});
  log.Record(RefusedAuditRecord{.reason = RefusalReason::kMaxClients,
                                .detail = "max number of clients reached",
                                .source_address = "10.1.2.4",
                                .source_port = 51001,
                                .local_port = 6379});
  log.Record(DisconnectAuditRecord{
      .reason = "client closed", .client_id = 1, .duration_ms = 5, .user = "alice"});
  log.Flush();

  std::vector<json> records = ReadRecords(Path("audit.log"));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0]["event"], "connect");
  EXPECT_EQ(records[0]["tls_version"], "TLSv1.3");
  EXPECT_EQ(records[1]["event"], "auth");
  EXPECT_EQ(records[1]["user"], "alice");
  EXPECT_EQ(records[1]["result"], "success");
  EXPECT_EQ(records[2]["event"], "refused");
  EXPECT_EQ(records[2]["reason"], "maxclients");
  EXPECT_EQ(records[3]["event"], "disconnect");
  for (const json& j : records) {
    EXPECT_TRUE(j["time"].is_string());
    EXPECT_EQ(j["time"].get<std::string>().size(), std::string("2026-11-23T17:02:03.123Z").size());
  }
  AuditLogStats stats = log.Stats();
  EXPECT_TRUE(stats.enabled);
  EXPECT_EQ(stats.records_written, 4u);
  EXPECT_EQ(stats.records_dropped, 0u);
  EXPECT_EQ(stats.write_errors, 0u);
  EXPECT_EQ(stats.queue_depth, 0u);
}

TEST_F(AuditLogTest, AuthRecordsNeverCarryThePassword) {
  // What a client sent: AUTH alice hunter2-s3cret. Only the user name reaches the record.
  const std::string password = "hunter2-s3cret";
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());

  log.Record(AuthAuditRecord{.success = false, .user = "alice", .method = AuthMethod::kAuth});
  log.Record(AuthAuditRecord{.success = true, .user = "alice", .method = AuthMethod::kHello});
  log.Flush();

  std::string content = ReadFile(Path("audit.log"));
  EXPECT_EQ(content.find(password), std::string::npos);
  EXPECT_EQ(content.find("password"), std::string::npos);
  EXPECT_EQ(content.find("pass"), std::string::npos);
  for (const json& j : ReadRecords(Path("audit.log"))) {
    EXPECT_EQ(j["user"], "alice");
  }
}

TEST_F(AuditLogTest, NewFileIsPrivateAppendOnlyAndCloseOnExec) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.Record(Line(1));
  log.Flush();

  struct stat st {};
  ASSERT_EQ(stat(Path("audit.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << std::oct << st.st_mode;
  // Find the log's descriptor and read its flags as the kernel reports them (octal).
  int flags = -1;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec) == Path("audit.log")) {
      std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
      std::string key;
      while (info >> key) {
        if (key == "flags:") {
          info >> std::oct >> flags;
          break;
        }
      }
    }
  }
  ASSERT_NE(flags, -1);
  EXPECT_NE(flags & O_APPEND, 0);
  EXPECT_NE(flags & O_CLOEXEC, 0);
  EXPECT_EQ(flags & O_NONBLOCK, 0);
}

TEST_F(AuditLogTest, AppendsToAnExistingFile) {
  std::ofstream(Path("audit.log")) << "{\"earlier\":true}\n";
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());

  log.Record(Line(1));
  log.Flush();

  std::vector<json> records = ReadRecords(Path("audit.log"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["earlier"], true);
  EXPECT_EQ(records[1]["client_id"], 1);
}

TEST_F(AuditLogTest, ReopenAfterRenameWritesIntoANewFile) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.Record(Line(1));
  log.Record(Line(2));
  log.Flush();

  ASSERT_EQ(std::rename(Path("audit.log").c_str(), Path("audit.log.1").c_str()), 0);
  ASSERT_TRUE(log.Reopen().ok());
  log.Record(Line(3));
  log.Flush();

  EXPECT_EQ(Ids(ReadRecords(Path("audit.log.1"))), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Ids(ReadRecords(Path("audit.log"))), (std::vector<uint64_t>{3}));
  EXPECT_EQ(log.path(), Path("audit.log"));
}

TEST_F(AuditLogTest, RecordsQueuedBeforeReopenStillGoToTheOldFile) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.PauseWriterForTesting(true);

  log.Record(Line(1));
  ASSERT_EQ(std::rename(Path("audit.log").c_str(), Path("audit.log.1").c_str()), 0);
  ASSERT_TRUE(log.Reopen().ok());
  log.Record(Line(2));
  log.PauseWriterForTesting(false);
  log.Flush();

  EXPECT_EQ(Ids(ReadRecords(Path("audit.log.1"))), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Ids(ReadRecords(Path("audit.log"))), (std::vector<uint64_t>{2}));
}

TEST_F(AuditLogTest, FailedReopenKeepsWritingToTheOldFile) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  ASSERT_EQ(std::rename(Path("audit.log").c_str(), Path("audit.log.1").c_str()), 0);
  ASSERT_EQ(mkdir(Path("audit.log").c_str(), 0700), 0);  // the path can't be a file now

  absl::Status status = log.Reopen();
  log.Record(Line(1));
  log.Flush();

  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(Path("audit.log")), std::string::npos) << status;
  EXPECT_NE(status.message().find("Is a directory"), std::string::npos) << status;
  EXPECT_TRUE(log.enabled());
  EXPECT_EQ(Ids(ReadRecords(Path("audit.log.1"))), (std::vector<uint64_t>{1}));
}

TEST_F(AuditLogTest, RefusedPathNamesPathAndReasonAndTheOpenLogKeepsWorking) {
  ASSERT_EQ(mkdir(Path("dir").c_str(), 0700), 0);
  std::ofstream(Path("plain")) << "x";
  struct Case {
    std::string path;
    std::string reason;
  };
  std::vector<Case> cases = {
      {Path("dir"), "Is a directory"},
      {Path("missing/audit.log"), "No such file or directory"},
      {Path("plain/audit.log"), "Not a directory"},
      // procfs refuses new files even to root.
      {"/proc/redoubt-audit-test.log", ""},
  };
  if (geteuid() != 0) {  // root may write into any directory
    ASSERT_EQ(mkdir(Path("readonly").c_str(), 0500), 0);
    cases.push_back({Path("readonly/audit.log"), "Permission denied"});
  }
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());

  for (const Case& c : cases) {
    absl::Status status = log.SetPath(c.path);
    log.Record(Line(1));

    EXPECT_FALSE(status.ok()) << c.path;
    EXPECT_NE(status.message().find("audit-log-file '" + c.path + "'"), std::string::npos)
        << status;
    EXPECT_NE(status.message().find(c.reason), std::string::npos) << status;
    EXPECT_EQ(log.path(), Path("audit.log"));
    EXPECT_TRUE(log.enabled());
  }
  log.Flush();

  EXPECT_EQ(ReadRecords(Path("audit.log")).size(), cases.size());
  EXPECT_EQ(log.Stats().records_written, cases.size());
}

TEST_F(AuditLogTest, FailedOpenLeavesAClosedLogDisabled) {
  AuditLog log;

  absl::Status status = log.Open(dir_);
  log.Record(Line(1));
  log.Flush();

  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(log.enabled());
  EXPECT_EQ(log.path(), "");
  EXPECT_EQ(log.Stats().records_written + log.Stats().records_dropped, 0u);
}

TEST_F(AuditLogTest, EmptyPathIsRefusedByOpen) {
  AuditLog log;

  EXPECT_FALSE(log.Open("").ok());
  EXPECT_FALSE(log.enabled());
}

TEST_F(AuditLogTest, SetPathSwitchesFilesInQueueOrder) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("a.log")).ok());
  log.PauseWriterForTesting(true);

  log.Record(Line(1));
  ASSERT_TRUE(log.SetPath(Path("b.log")).ok());
  log.Record(Line(2));
  log.PauseWriterForTesting(false);
  log.Flush();

  EXPECT_EQ(Ids(ReadRecords(Path("a.log"))), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Ids(ReadRecords(Path("b.log"))), (std::vector<uint64_t>{2}));
  EXPECT_EQ(log.path(), Path("b.log"));
}

TEST_F(AuditLogTest, EmptyPathTurnsTheLogOffAfterWritingWhatIsQueued) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.PauseWriterForTesting(true);
  log.Record(Line(1));

  ASSERT_TRUE(log.SetPath("").ok());
  log.Record(Line(2));
  log.PauseWriterForTesting(false);
  log.Flush();

  EXPECT_FALSE(log.enabled());
  EXPECT_EQ(log.path(), "");
  EXPECT_EQ(Ids(ReadRecords(Path("audit.log"))), (std::vector<uint64_t>{1}));
  EXPECT_EQ(log.Stats().records_dropped, 0u);  // off is not a loss

  ASSERT_TRUE(log.SetPath(Path("audit.log")).ok());
  log.Record(Line(3));
  log.Flush();

  EXPECT_EQ(Ids(ReadRecords(Path("audit.log"))), (std::vector<uint64_t>{1, 3}));
}

TEST_F(AuditLogTest, DisabledLogRecordsNothing) {
  AuditLog log;

  for (int i = 0; i < 1000; ++i) {
    log.Record(Line(i));
    log.Record(AuthAuditRecord{.user = "alice"});
  }
  log.Flush();
  ASSERT_TRUE(log.Reopen().ok());  // SIGHUP with the log off: nothing to do

  AuditLogStats stats = log.Stats();
  EXPECT_FALSE(stats.enabled);
  EXPECT_EQ(stats.records_written, 0u);
  EXPECT_EQ(stats.records_dropped, 0u);
  EXPECT_EQ(stats.queue_depth, 0u);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(AuditLogTest, CloseWritesEverythingQueued) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.PauseWriterForTesting(true);
  for (int i = 0; i < 1000; ++i) {
    log.Record(Line(i));
  }

  log.Close();

  EXPECT_FALSE(log.enabled());
  EXPECT_EQ(ReadRecords(Path("audit.log")).size(), 1000u);
  EXPECT_EQ(log.Stats().records_written, 1000u);
}

TEST_F(AuditLogTest, CanBeOpenedAgainAfterClose) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.Record(Line(1));
  log.Close();

  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.Record(Line(2));
  log.Flush();

  EXPECT_EQ(Ids(ReadRecords(Path("audit.log"))), (std::vector<uint64_t>{1, 2}));
}

TEST_F(AuditLogTest, WriteErrorsAreCountedAndTheirRecordsDropped) {
  AuditLog log;
  // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
  ASSERT_TRUE(log.Open("/dev/full").ok());

  for (int i = 0; i < 10; ++i) {
    log.Record(Line(i));
  }
  log.Flush();

  AuditLogStats stats = log.Stats();
  EXPECT_GE(stats.write_errors, 1u);
  EXPECT_EQ(stats.records_written, 0u);
  EXPECT_EQ(stats.records_dropped, 10u);

  ASSERT_TRUE(log.SetPath(Path("audit.log")).ok());
  log.Record(Line(11));
  log.Flush();

  EXPECT_EQ(Ids(ReadRecords(Path("audit.log"))), (std::vector<uint64_t>{11}));
}

// Caps the size of files this process writes (RLIMIT_FSIZE), as a full disk does: the write
// that crosses the cap is cut short, the next fails with EFBIG. Restores both on destruction.
class FileSizeCap {
 public:
  explicit FileSizeCap(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    // Crossing the cap also raises SIGXFSZ, which would end the process.
    saved_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit cap = saved_;
    cap.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &cap), 0);
  }
  ~FileSizeCap() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, saved_handler_);
  }

 private:
  rlimit saved_{};
  sighandler_t saved_handler_ = SIG_DFL;
};

TEST_F(AuditLogTest, AWriteCutShortDoesNotRunIntoTheNextRecord) {
  AuditLog log;
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  const size_t line_size = Line(1).size();
  {
    // Room for the first record and part of the second.
    FileSizeCap cap(line_size + line_size / 2);
    for (int i = 1; i <= 5; ++i) {
      log.Record(Line(i));
    }
    log.Flush();
  }

  log.Record(Line(6));
  log.Flush();

  std::vector<std::string> lines;
  std::istringstream in(ReadFile(Path("audit.log")));
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(json::parse(lines[0], nullptr, false).value("client_id", 0), 1);
  // The cut record, ended there so that the next line is whole.
  EXPECT_EQ(lines[1].size(), line_size / 2);
  EXPECT_TRUE(json::parse(lines[1], nullptr, false).is_discarded());
  EXPECT_EQ(json::parse(lines[2], nullptr, false).value("client_id", 0), 6);
  AuditLogStats stats = log.Stats();
  EXPECT_EQ(stats.records_written, 2u);
  EXPECT_EQ(stats.records_dropped, 4u);
  EXPECT_GE(stats.write_errors, 1u);
}

TEST_F(AuditLogTest, QueueIsBoundedInBytes) {
  AuditLog log({.max_queued_records = 1 << 20, .max_queued_bytes = 1000});
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.PauseWriterForTesting(true);
  const std::string line = std::string(99, 'x') + "\n";

  for (int i = 0; i < 50; ++i) {
    log.Record(line);
    EXPECT_LE(log.Stats().queue_bytes, 1000u);
  }
  log.Record(std::string(2000, 'y') + "\n");  // larger than the whole queue
  log.PauseWriterForTesting(false);
  log.Flush();

  AuditLogStats stats = log.Stats();
  // 10 lines fit in the queue, and the writer may hold one batch of at most 10 taken before
  // it stalled; the rest, and the line larger than the queue, are dropped.
  EXPECT_LE(stats.records_written, 20u);
  EXPECT_EQ(stats.records_written + stats.records_dropped, 51u);
  EXPECT_EQ(ReadFile(Path("audit.log")).find('y'), std::string::npos);
}

// Submits records from several threads at once.
//
// Nothing here is timed: a limit on how long Record() takes would be a race against the
// scheduler of a loaded machine (the audit log's latency is a benchmark's business). What the
// tests prove instead is structural: while the writer is paused, a Record() that waited for it
// would never return, so the flood finishing at all is the proof that none did.
class Flood {
 public:
  static constexpr int kThreads = 4;
  static constexpr int kPerThread = 25'000;
  static constexpr uint64_t kSubmitted = uint64_t{kThreads} * kPerThread;

  // Runs the flood; on_each runs after every Record() on the submitting thread. Record ids
  // are 1..kSubmitted.
  template <typename OnEach>
  void Run(AuditLog& log, OnEach on_each) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          log.Record(Line(uint64_t(t) * kPerThread + i + 1));
          on_each();
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
  }
};

TEST_F(AuditLogTest, StalledWriterNeverBlocksRecordAndTheQueueStaysBounded) {
  constexpr uint64_t kCapacity = 64;
  AuditLog log({.max_queued_records = kCapacity, .max_queued_bytes = 1 << 20});
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  log.PauseWriterForTesting(true);
  std::atomic<uint64_t> max_depth{0};
  Flood flood;

  // The whole flood runs while the writer is stalled.
  flood.Run(log, [&] {
    uint64_t depth = log.Stats().queue_depth;
    uint64_t seen = max_depth.load(std::memory_order_relaxed);
    while (depth > seen && !max_depth.compare_exchange_weak(seen, depth)) {
    }
  });
  AuditLogStats stalled = log.Stats();
  log.PauseWriterForTesting(false);
  log.Flush();

  AuditLogStats stats = log.Stats();
  EXPECT_LE(max_depth.load(), kCapacity);
  EXPECT_LE(stalled.queue_depth, kCapacity);
  // Besides the queue, the writer holds at most the one batch it took before stalling.
  EXPECT_LE(stats.records_written, 2 * kCapacity);
  EXPECT_EQ(stats.records_written + stats.records_dropped, Flood::kSubmitted);
  EXPECT_EQ(ReadRecords(Path("audit.log")).size(), stats.records_written);
}

TEST_F(AuditLogTest, IntermittentlyStalledWriterAccountsForEveryRecord) {
  constexpr uint64_t kCapacity = 32;
  AuditLog log({.max_queued_records = kCapacity, .max_queued_bytes = 1 << 20});
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  std::atomic<bool> flooding{true};
  // Stalls the writer until the queue is full, lets it drain, and again: a disk that hangs
  // now and then. Driven by the queue depth, not by sleeps.
  std::thread staller([&] {
    while (flooding.load()) {
      log.PauseWriterForTesting(true);
      while (flooding.load() && log.Stats().queue_depth < kCapacity) {
        std::this_thread::yield();
      }
      log.PauseWriterForTesting(false);
      while (flooding.load() && log.Stats().queue_depth >= kCapacity / 2) {
        std::this_thread::yield();
      }
    }
    log.PauseWriterForTesting(false);
  });
  Flood flood;

  flood.Run(log, [&] { EXPECT_LE(log.Stats().queue_depth, kCapacity); });
  flooding.store(false);
  staller.join();
  log.Flush();

  AuditLogStats stats = log.Stats();
  EXPECT_EQ(stats.records_written + stats.records_dropped, Flood::kSubmitted);
  EXPECT_GT(stats.records_dropped, 0u);
  EXPECT_GT(stats.records_written, 0u);
  std::vector<uint64_t> ids = Ids(ReadRecords(Path("audit.log")));
  EXPECT_EQ(ids.size(), stats.records_written);
  EXPECT_EQ(std::set<uint64_t>(ids.begin(), ids.end()).size(), ids.size());  // none twice
}

TEST_F(AuditLogTest, RotationUnderLoadLosesNoRecord) {
  // Room for the whole flood, so that nothing may be dropped.
  AuditLog log({.max_queued_records = 1 << 20, .max_queued_bytes = 1 << 28});
  ASSERT_TRUE(log.Open(Path("audit.log")).ok());
  std::atomic<bool> flooding{true};
  std::vector<std::string> files;
  std::thread rotator([&] {
    // logrotate's way: rename, then SIGHUP.
    for (int n = 1; flooding.load() && n <= 20; ++n) {
      std::string rotated = Path("audit.log." + std::to_string(n));
      ASSERT_EQ(std::rename(Path("audit.log").c_str(), rotated.c_str()), 0);
      files.push_back(rotated);
      ASSERT_TRUE(log.Reopen().ok());
      while (flooding.load() && log.Stats().records_written < uint64_t(n) * 4000) {
        std::this_thread::yield();
      }
    }
  });
  Flood flood;

  flood.Run(log, [] {});
  flooding.store(false);
  rotator.join();
  log.Flush();
  files.push_back(Path("audit.log"));

  std::set<uint64_t> ids;
  size_t lines = 0;
  for (const std::string& file : files) {
    std::vector<json> records = ReadRecords(file);
    lines += records.size();
    for (uint64_t id : Ids(records)) {
      ids.insert(id);
    }
  }
  AuditLogStats stats = log.Stats();
  EXPECT_EQ(stats.records_dropped, 0u);
  EXPECT_EQ(stats.records_written, Flood::kSubmitted);
  EXPECT_EQ(lines, Flood::kSubmitted);
  EXPECT_EQ(ids.size(), Flood::kSubmitted);
  EXPECT_GT(files.size(), 2u);
}

}  // namespace
}  // namespace redoubt::security
