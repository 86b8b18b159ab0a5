// Loading the configuration (config file and command line); see config.h. CONFIG SET's checks
// are in config_set.cc. Follows Redis 7.0's config.c (loadServerConfigFromString, configSetCommand)
// and server.c's main() so that redis.conf files, command lines and CONFIG SET scripts work
// unchanged.
#include "server/config.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "commands/command_table.h"
#include "common/repr.h"
#include "protocol/resp_parser.h"

namespace redoubt::server {
namespace {

// Redis 7.0 ignores these (removed) directives when they come with one value.
bool IsIgnoredDeprecatedDirective(const std::vector<std::string>& words) {
  static constexpr std::string_view kNames[] = {"list-max-ziplist-entries",
                                                "list-max-ziplist-value", "lua-replicate-commands"};
  return words.size() == 2 &&
         std::any_of(std::begin(kNames), std::end(kNames),
                     [&](std::string_view n) { return commands::EqualsIgnoreCase(words[0], n); });
}

// The words after a directive's name on a config line (Redis's loadServerConfigFromString):
// a single-word directive takes exactly one; a multi-word one given as one quoted word
// ("save \"900 1 300 10\"") has that word split again.
absl::Status ApplyWords(const DirectiveSpec& d, std::vector<std::string> args, Config* config) {
  if (d.Has(kMultiArg)) {
    if (args.size() == 1 && !args[0].empty()) {
      std::vector<std::string> split;
      if (!protocol::SplitArgs(args[0], &split)) {
        return absl::InvalidArgumentError("Unbalanced quotes in configuration line");
      }
      args = std::move(split);
    }
  } else if (!d.Has(kJoinWords) && args.size() != 1) {
    return WrongNumberOfArguments();
  }
  return d.set(*config, args, SetSource::kFile);
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& file) {
  std::string text;
  if (int err = ReadFileText(file, &text); err != 0) {
    return absl::NotFoundError("Fatal error, can't open config file '" + file +
                               "': " + std::strerror(err));
  }
  return text;
}

// Redis's getAbsolutePath: CONFIG REWRITE must find the file after `dir` moved the server.
std::string AbsolutePath(const std::string& path) {
  if (path.empty() || path[0] == '/') {
    return path;
  }
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) {
    return path;
  }
  return std::string(cwd) + "/" + path;
}

int CoreCount() {
  // The cores this process may run on (taskset, cgroups cpusets), not all of the machine's:
  // two event loops time-sliced on one core only add latency.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  int cores = sched_getaffinity(0, sizeof(allowed), &allowed) == 0
                  ? CPU_COUNT(&allowed)
                  : static_cast<int>(std::thread::hardware_concurrency());
  return std::max(1, cores);
}

}  // namespace

std::string_view TlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kPreferred:
      return "preferred";
    case TlsMode::kRequired:
      return "required";
    case TlsMode::kNone:
      break;
  }
  return "none";
}

bool AllowProtectedAction(ProtectedAction setting, bool caller_is_local) {
  return setting == ProtectedAction::kYes ||
         (setting == ProtectedAction::kLocal && caller_is_local);
}

bool IsLocalPeer(std::string_view peer) {
  // Redis's islocalClient compares the address with exactly these two.
  std::string_view host = peer.substr(0, peer.rfind(':'));
  return host == "127.0.0.1" || host == "::1" || host == "[::1]";
}

int ReadFileText(const std::string& path, std::string* text) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return errno;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    text->append(buf, n);
  }
  int err = std::ferror(f) != 0 ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(f);
  return err;
}

bool ParseMemory(std::string_view s, uint64_t* out) {
  return MemToULL(s, out);
}

absl::Status ApplyConfigText(std::string_view text, std::string_view source, Config* config) {
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    size_t start = raw.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos || raw[start] == '#') {
      continue;
    }
    std::string line(raw.substr(start, raw.find_last_not_of(" \t\r\n") + 1 - start));
    auto fail = [&](std::string_view why) {
      std::string where = source.empty() ? "" : std::string(source) + ", ";
      return absl::InvalidArgumentError("\n*** FATAL CONFIG FILE ERROR (Redoubt) ***\n" + where +
                                        "at line " + std::to_string(line_no) + "\n>>> '" + line +
                                        "'\n" + std::string(why));
    };
    std::vector<std::string> words;
    if (!protocol::SplitArgs(line, &words)) {
      return fail("Unbalanced quotes in configuration line");
    }
    if (words.empty()) {
      continue;
    }
    if (commands::EqualsIgnoreCase(words[0], "user") && words.size() >= 2) {
      // Repeatable, and not a CONFIG GET parameter: kept as written, applied at start-up.
      std::string rules;
      for (size_t i = 1; i < words.size(); ++i) {
        rules += (i > 1 ? " " : "") + words[i];
      }
      config->users.push_back(std::move(rules));
      continue;
    }
    const DirectiveSpec* d = FindDirective(words[0]);
    if (d == nullptr) {
      if (IsIgnoredDeprecatedDirective(words)) {
        continue;
      }
      return fail("Bad directive or wrong number of arguments");
    }
    words.erase(words.begin());
    if (absl::Status st = ApplyWords(*d, std::move(words), config); !st.ok()) {
      return fail("Invalid argument for '" + std::string(d->name) +
                  "': " + std::string(st.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Config> LoadConfig(const std::string& file, const std::vector<std::string>& argv) {
  Config config;
  if (!file.empty()) {
    absl::StatusOr<std::string> text = ReadConfigFile(file);
    if (!text.ok()) {
      return text.status();
    }
    if (absl::Status st = ApplyConfigText(*text, file, &config); !st.ok()) {
      return st;
    }
    config.config_file = AbsolutePath(file);
  }
  // Command-line options become config lines: "--port 7000 --bind a b" → "port 7000\nbind a b".
  // Values are quoted as CONFIG REWRITE quotes them, so that empty strings, spaces and line
  // breaks survive the re-splitting.
  std::string lines;
  for (const std::string& arg : argv) {
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      if (!lines.empty()) {
        lines += "\n";
      }
      lines += arg.substr(2);
    } else {
      lines += " " + common::Repr(arg);
    }
  }
  if (absl::Status st = ApplyConfigText(lines, "command line", &config); !st.ok()) {
    return st;
  }
  // Redis's sanity check at the end of loading.
  if (config.cluster_enabled && !config.replicaof.empty()) {
    return absl::InvalidArgumentError(
        "\n*** FATAL CONFIG FILE ERROR (Redoubt) ***\n"
        "replicaof directive not allowed in cluster mode");
  }
  if (config.io_threads_configured == 0) {
    config.io_threads = CoreCount();
  }
  return config;
}

std::vector<std::string_view> NoEffectDirectivesSet(const Config& config) {
  std::vector<std::string_view> names;
  for (const DirectiveSpec& d : Directives()) {
    if (!d.implemented() && !d.IsDefault(config)) {
      names.push_back(d.name);
    }
  }
  return names;
}

}  // namespace redoubt::server
