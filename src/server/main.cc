// redoubt-server entry point: parses "redoubt-server [config-file] [--directive value ...]"
// as redis-server does, builds the server and runs it until SIGTERM/SIGINT or SHUTDOWN.
#include <cstdio>
#include <string>
#include <vector>

#include "common/log.h"
#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using redoubt::server::Server;
  std::string file;
  std::vector<std::string> rest;
  int i = 1;
  if (argc > 1) {
    std::string first = argv[1];
    if (first == "-v" || first == "--version") {
      std::printf("Redoubt server v=%s (Redis %s compatible)\n",
                  std::string(Server::kRedoubtVersion).c_str(),
                  std::string(Server::kRedisVersion).c_str());
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
  if (!redoubt::common::OpenLog(config->logfile)) {
    std::fprintf(stderr, "Can't open the log file: %s\n", config->logfile.c_str());
    return 1;
  }
  auto server = Server::Create(*config);
  if (!server.ok()) {
    redoubt::common::Log(redoubt::common::LogLevel::kWarning,
                         std::string(server.status().message()));
    std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  return (*server)->Run();
}
