// The local node host; see local_node_host.h.
#include "control/local_node_host.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "common/clock.h"
#include "common/errno_text.h"
#include "common/file_io.h"
#include "common/repr.h"

extern char** environ;

namespace redoubt::control {
namespace {

// A config value as the server's parser reads it back: bare when it is one plain word, else in
// double quotes with backslash escapes.
std::string ConfigValue(const std::string& value) {
  bool plain = !value.empty();
  for (char c : value) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '/' || c == '_' || c == '-' || c == ':' || c == ',';
    plain = plain && word;
  }
  // Else quoted as CONFIG REWRITE quotes (sdscatrepr), which the config parser reads back.
  return plain ? value : common::Repr(value);
}

bool Bindable(const std::string& address, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
    return false;
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // as the server binds
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  close(fd);
  return ok;
}

// Whether process pid has finished exiting: gone, or a zombie that its parent (us, or init for
// a node of an earlier run) has not reaped yet.
bool Exited(int64_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) {
    return true;
  }
  const char state = text[paren + 2];
  return state == 'Z' || state == 'X';
}

}  // namespace

LocalNodeHost::LocalNodeHost(std::string server_binary, std::string nodes_dir)
    : server_binary_(std::move(server_binary)), nodes_dir_(std::move(nodes_dir)) {}

absl::StatusOr<int64_t> LocalNodeHost::Start(const NodeSpec& spec) {
  const std::string folder = FolderOf(spec.name);
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    return absl::InternalError("cannot create " + folder + ": " + ec.message());
  }
  std::string config = "# Written by redoubt-control for cache cluster " + spec.name +
                       "; it rewrites this file, edit the group through the API instead.\n";
  config += "bind " + ConfigValue(spec.address) + "\n";
  config += "port " + std::to_string(spec.port) + "\n";
  config += "dir " + ConfigValue(folder) + "\n";
  config += "pidfile " + ConfigValue(folder + "/redoubt.pid") + "\n";
  for (const std::vector<std::string>& line : spec.directives) {
    for (size_t i = 0; i < line.size(); ++i) {
      config += (i == 0 ? line[i] : " " + ConfigValue(line[i]));
    }
    config += "\n";
  }
  // The node's config holds its passwords: ours to read only.
  if (const int err = common::ReplaceFile(ConfigOf(spec.name), config, 0600); err != 0) {
    return absl::InternalError("cannot write " + ConfigOf(spec.name) + ": " +
                               common::ErrnoText(err));
  }

  // posix_spawn rather than fork: this process has threads, and between fork and exec only
  // async-signal-safe calls are allowed; the spawn attributes say everything the child needs.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log_path = folder + "/node.log";
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // the API's sockets stay ours
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session (the control plane's terminal and process group are not its), and the
  // default signal mask: ours blocks SIGTERM and SIGINT for the sigwait thread.
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string binary = server_binary_;
  std::string config_path = ConfigOf(spec.name);
  char* argv[] = {binary.data(), config_path.data(), nullptr};
  pid_t pid = 0;
  const int err = posix_spawn(&pid, binary.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    return absl::InternalError("cannot start " + binary + ": " + common::ErrnoText(err));
  }
  return static_cast<int64_t>(pid);
}

bool LocalNodeHost::IsRunning(const std::string& name, int64_t pid) {
  if (pid <= 0) {
    return false;
  }
  int status = 0;
  const pid_t reaped = waitpid(static_cast<pid_t>(pid), &status, WNOHANG);
  if (reaped == pid) {
    return false;  // our child, and it exited
  }
  if (reaped == 0) {
    return true;  // our child, running
  }
  // Not our child: started by an earlier run of the control plane. It is the node while its
  // command line still names the node's config (a reused pid would not).
  // (/proc files report a size of 0: read as a stream, not with ReadSmallFile.)
  std::ifstream proc("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  const std::string cmdline((std::istreambuf_iterator<char>(proc)),
                            std::istreambuf_iterator<char>());
  return cmdline.find(ConfigOf(name)) != std::string::npos;
}

void LocalNodeHost::Stop(const std::string& name, int64_t pid, int64_t grace_ms) {
  if (!IsRunning(name, pid)) {
    return;
  }
  kill(static_cast<pid_t>(pid), SIGTERM);
  const int64_t deadline = common::MonotonicMillis() + grace_ms;
  bool killed = false;
  // Until the process is gone, not only until its command line is: an exiting process loses its
  // memory (and /proc's cmdline with it) before it has closed its sockets and files.
  while (IsRunning(name, pid) || !Exited(pid)) {
    if (!killed && common::MonotonicMillis() >= deadline) {
      kill(static_cast<pid_t>(pid), SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void LocalNodeHost::Remove(const std::string& name) {
  std::error_code ec;
  std::filesystem::remove_all(FolderOf(name), ec);
}

bool LocalNodeHost::PortsFree(const std::string& address, int port) {
  return Bindable(address, port) && Bindable(address, port + 10000);
}

absl::StatusOr<std::string> LocalNodeHost::WriteNodeFile(const std::string& name,
                                                         const std::string& file_name,
                                                         const std::string& content, int mode) {
  std::error_code ec;
  std::filesystem::create_directories(FolderOf(name), ec);
  const std::string path = FolderOf(name) + "/" + file_name;
  if (const int err = common::ReplaceFileDurably(path, content, static_cast<mode_t>(mode));
      err != 0) {
    return absl::InternalError("cannot write " + path + ": " + common::ErrnoText(err));
  }
  return path;
}

std::string LocalNodeHost::LogTail(const std::string& name, size_t max_bytes) {
  const std::string path = FolderOf(name) + "/node.log";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return "";
  }
  struct stat st {};
  std::string tail;
  if (fstat(fd, &st) == 0) {
    const off_t size = st.st_size;
    const off_t from =
        size > static_cast<off_t>(max_bytes) ? size - static_cast<off_t>(max_bytes) : 0;
    tail.resize(static_cast<size_t>(size - from));
    const ssize_t n = pread(fd, tail.data(), tail.size(), from);
    tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  return tail;
}

}  // namespace redoubt::control
