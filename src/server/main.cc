// redoubt-server entry point: parses "redoubt-server [config-file] [--directive value ...]"
// as redis-server does, builds the server and runs it until SIGTERM/SIGINT or SHUTDOWN. A
// start-up error is printed once: configuration errors on stderr (the log is not open yet),
// later ones in the log.
#include <absl/synchronization/mutex.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using redoubt::server::Server;
#if defined(NDEBUG) && !defined(REDOUBT_SANITIZE)
  // Debian builds libabsl without NDEBUG, so by default every absl::Mutex lock is checked for
  // lock-order cycles under one process-wide spin lock: 42 ns per uncontended lock and unlock
  // instead of 13, and a point where all I/O threads meet. The unit tests and the sanitizer
  // builds keep the check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  std::string file;
  std::vector<std::string> rest;
  int i = 1;
  if (argc > 1) {
    std::string first = argv[1];
    if (first == "-v" || first == "--version") {
      std::printf("Redoubt server v=%s (Redis %s compatible)\n",
                  std::string(redoubt::server::kRedoubtVersion).c_str(),
                  std::string(redoubt::server::kRedisVersion).c_str());
      return 0;
    }
    if (first == "-h" || first == "--help") {
      std::printf(
          "Usage: redoubt-server [/path/to/redis.conf] [--directive value ...]\n"
          "Examples:\n"
          "       redoubt-server --port 7777\n"
          "       redoubt-server /etc/redoubt/redoubt.conf --loglevel verbose\n");
      return 0;
    }
    if (first.rfind("--", 0) != 0) {
      file = first;
      i = 2;
    }
  }
  for (; i < argc; ++i) {
    rest.emplace_back(argv[i]);
  }
  auto config = redoubt::server::LoadConfig(file, rest);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  // `dir` moves the process before anything opens a relative path (the log file, aclfile,
  // certificates), as Redis's chdir while loading the configuration does.
  if (!config->dir.empty() && chdir(config->dir.c_str()) != 0) {
    std::fprintf(stderr, "Can't chdir to '%s': %s\n", config->dir.c_str(), std::strerror(errno));
    return 1;
  }
  if (!redoubt::common::OpenLog(config->logfile)) {
    std::fprintf(stderr, "Can't open the log file '%s': %s\n", config->logfile.c_str(),
                 std::strerror(errno));
    return 1;
  }
  using redoubt::common::Log;
  using redoubt::common::LogLevel;
  std::vector<std::string_view> inert = redoubt::server::NoEffectDirectivesSet(*config);
  if (!inert.empty()) {
    std::string names;
    for (std::string_view name : inert) {
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    Log(LogLevel::kNotice, "These directives are accepted but have no effect yet: " + names);
  }
  auto server = Server::Create(*config);
  if (!server.ok()) {
    // Once where the log goes; on stderr too only when the log is a file, so that whoever
    // started the server sees why it stopped.
    std::string message(server.status().message());
    Log(LogLevel::kWarning, message);
    if (!config->logfile.empty()) {
      std::fprintf(stderr, "%s\n", message.c_str());
    }
    return 1;
  }
  return (*server)->Run();
}
