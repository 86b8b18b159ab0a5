// Tests of the directive table's rows and value types (config_directive.cc, config_catalog.cc
// and the components' rows in server/directives/): every row is at its default in a fresh
// Config and reads back what it shows; no two components register a name; Redis's parsing
// rules for the types that CONFIG SET cannot reach in the differential suite (immutable octal,
// config-file-only forms) and for the special directives; CONFIG GET's canonical forms.
#include "server/config_directive.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "common/ascii.h"
#include "common/glob.h"
#include "server/config.h"
#include "server/directives/directive_registry.h"

namespace redoubt::server {
namespace {

std::string Get(const Config& c, std::string_view name) {
  return FindDirective(name)->get(c);
}

// CONFIG SET's path: the value as one argument (split at spaces for multi-word directives).
std::string Set(Config& c, std::string_view name, const std::string& value) {
  absl::StatusOr<Config> next = ConfigSetValues(c, {{std::string(name), value}}, true);
  if (!next.ok()) {
    std::string message(next.status().message());
    return message.substr(message.find(" - ") + 3);
  }
  c = *next;
  return "OK";
}

TEST(ConfigDirectiveTest, EveryRowIsAtItsDefaultInAFreshConfig) {
  for (const DirectiveSpec& d : Directives()) {
    EXPECT_TRUE(d.IsDefault(Config{})) << d.name;
  }
}

TEST(ConfigDirectiveTest, EveryRowReadsBackWhatItShows) {
  for (const DirectiveSpec& d : Directives()) {
    // dir shows the working directory, and setting it makes it explicit; replicaof shows ""
    // for "no master", which it does not take (Redis neither: "no one" is the way).
    if (d.name == "dir" || d.name == "replicaof") {
      continue;
    }
    Config c;
    std::string shown = d.get(c);
    std::vector<std::string> words =
        d.Has(kMultiArg) && !shown.empty() ? std::vector<std::string>{} : std::vector{shown};
    if (words.empty()) {
      for (size_t start = 0, end; start <= shown.size(); start = end + 1) {
        end = std::min(shown.find(' ', start), shown.size());
        words.push_back(shown.substr(start, end - start));
      }
    }

    absl::Status st = d.set(c, words, SetSource::kConfigSet);

    EXPECT_TRUE(st.ok()) << d.name << ": " << st;
    EXPECT_EQ(d.get(c), shown) << d.name;
    EXPECT_TRUE(d.IsDefault(c)) << d.name;
  }
}

// Each component is registered alone, into a registry of its own, so that a name or alias two
// components register is reported here with both, whatever the registry checks itself.
TEST(ConfigDirectiveTest, NamesAndAliasesAreUniqueAcrossComponents) {
  std::map<std::string, std::string> owners;  // lower case, as FindDirective compares
  size_t rows = 0;

  for (const DirectiveComponent& component : DirectiveComponents()) {
    DirectiveRegistry registry;
    registry.AddComponent(component);
    std::vector<DirectiveSpec> added = registry.TakeRows();
    EXPECT_FALSE(added.empty()) << component.name;
    rows += added.size();
    for (const DirectiveSpec& d : added) {
      for (std::string_view word : {d.name, d.alias}) {
        if (word.empty()) {
          continue;
        }
        auto [it, inserted] = owners.emplace(common::ToLower(word), component.name);
        EXPECT_TRUE(inserted) << word << " is registered by " << it->second << " and by "
                              << component.name;
      }
    }
  }

  EXPECT_EQ(rows, Directives().size());
  EXPECT_GE(owners.size(), 199u);  // Redis 7.0.15's CONFIG GET * lists 192 names
}

TEST(ConfigDirectiveTest, FlagsFollowRedis) {
  EXPECT_TRUE(FindDirective("databases")->Has(kImmutable));
  EXPECT_TRUE(FindDirective("replicaof")->Has(kImmutable | kMultiArg));
  EXPECT_TRUE(FindDirective("requirepass")->Has(kSensitive));
  EXPECT_TRUE(FindDirective("masterauth")->Has(kSensitive));
  EXPECT_TRUE(FindDirective("dir")->Has(kProtected));
  EXPECT_TRUE(FindDirective("dbfilename")->Has(kProtected));
  EXPECT_TRUE(FindDirective("audit-log-file")->Has(kProtected));
  EXPECT_TRUE(FindDirective("watchdog-period")->Has(kHidden));
  EXPECT_TRUE(FindDirective("tls-cert-file")->Has(kVolatile));
  EXPECT_TRUE(FindDirective("maxmemory-clients")->Has(kMemory));
  EXPECT_FALSE(FindDirective("maxclients")->Has(kMemory));
  EXPECT_FALSE(FindDirective("maxmemory")->Has(kImmutable | kProtected | kNoEffectYet));
  EXPECT_TRUE(FindDirective("maxmemory")->implemented());
  EXPECT_TRUE(FindDirective("appendonly")->implemented());
  EXPECT_FALSE(FindDirective("aof-disable-auto-gc")->implemented());
  EXPECT_TRUE(FindDirective("hash-max-listpack-entries")->implemented());
  EXPECT_TRUE(FindDirective("zset-max-listpack-entries")->implemented());
  EXPECT_FALSE(FindDirective("list-max-listpack-size")->implemented());
}

TEST(ConfigDirectiveTest, OctalAsStrtollReadsIt) {
  Config c;

  EXPECT_TRUE(ApplyConfigText("unixsocketperm 0770\n", "", &c).ok());
  EXPECT_EQ(c.unixsocketperm, 0770);
  EXPECT_EQ(Get(c, "unixsocketperm"), "770");
  absl::Status not_octal = ApplyConfigText("unixsocketperm 8\n", "", &c);
  absl::Status too_big = ApplyConfigText("unixsocketperm 1000\n", "", &c);
  absl::Status negative = ApplyConfigText("unixsocketperm -1\n", "", &c);

  EXPECT_NE(not_octal.message().find("argument couldn't be parsed as an octal number"),
            std::string_view::npos);
  EXPECT_NE(too_big.message().find("argument must be between 0 and 777 inclusive"),
            std::string_view::npos);
  EXPECT_NE(negative.message().find("argument must be between 0 and 777 inclusive"),
            std::string_view::npos);
}

TEST(ConfigDirectiveTest, PercentIsKeptApartFromMemory) {
  Config c;

  EXPECT_EQ(Set(c, "maxmemory-clients", "10%"), "OK");
  EXPECT_EQ(Get(c, "maxmemory-clients"), "10%");
  EXPECT_EQ(Set(c, "maxmemory-clients", "2mb"), "OK");
  EXPECT_EQ(Get(c, "maxmemory-clients"), "2097152");
  EXPECT_EQ(Set(c, "maxmemory-clients", "101%"),
            "percentage argument must be less or equal to 100");
  EXPECT_EQ(Set(c, "maxmemory-clients", "-1"), "argument must be a memory or percent value");
}

TEST(ConfigDirectiveTest, UnsignedBoundsReadNegativeValuesAsHuge) {
  Config c;

  EXPECT_EQ(Set(c, "maxclients", "-1"), "argument must be between 1 and 4294967295 inclusive");
  EXPECT_EQ(Set(c, "hash-max-listpack-entries", "-1"),
            "argument must be between 0 and 9223372036854775807 inclusive");
  EXPECT_EQ(Set(c, "maxmemory", "18446744073709551615"), "OK");
  EXPECT_EQ(c.maxmemory, UINT64_MAX);
}

TEST(ConfigDirectiveTest, RedoubtLimitsComeAfterRedisBounds) {
  Config c;

  EXPECT_EQ(Set(c, "proto-max-bulk-len", "1000"),
            "argument must be between 1048576 and 9223372036854775807 inclusive");
  EXPECT_EQ(Set(c, "proto-max-bulk-len", "8gb"),
            "Redoubt stores values of at most 4294967295 bytes (32-bit lengths)");
  EXPECT_EQ(Set(c, "maxmemory-samples", "65"), "Redoubt samples at most 64 keys per eviction");
}

TEST(ConfigDirectiveTest, AdjustedValuesAreShownAdjusted) {
  Config c;

  EXPECT_EQ(Set(c, "hz", "1000"), "OK");
  EXPECT_EQ(c.hz, 500);
  EXPECT_EQ(Set(c, "repl-backlog-size", "1"), "OK");
  EXPECT_EQ(Get(c, "repl-backlog-size"), "16384");
}

TEST(ConfigDirectiveTest, EnumFlagsCombineAndNameInTableOrder) {
  Config c;

  EXPECT_EQ(Set(c, "shutdown-on-sigterm", "now save"), "OK");
  EXPECT_EQ(Get(c, "shutdown-on-sigterm"), "save now");
  EXPECT_EQ(Set(c, "shutdown-on-sigterm", "save nosave"),
            "shutdown options SAVE and NOSAVE can't be used simultaneously");
  EXPECT_EQ(Set(c, "oom-score-adj", "relative"), "OK");
  EXPECT_EQ(Get(c, "oom-score-adj"), "yes");  // the first name of the value, as Redis
}

TEST(ConfigDirectiveTest, LoglevelAcceptsNothingWithoutListingIt) {
  Config c;

  EXPECT_EQ(Set(c, "loglevel", "nothing"), "OK");
  EXPECT_EQ(c.loglevel, "nothing");
  EXPECT_EQ(Set(c, "loglevel", "x"),
            "argument(s) must be one of the following: debug, verbose, notice, warning");
}

TEST(ConfigDirectiveTest, NotifyKeyspaceEventsCanonicalForm) {
  Config c;

  EXPECT_EQ(Set(c, "notify-keyspace-events", "EKx$g"), "OK");
  EXPECT_EQ(Get(c, "notify-keyspace-events"), "g$xKE");
  EXPECT_EQ(Set(c, "notify-keyspace-events", "nA"), "OK");
  EXPECT_EQ(Get(c, "notify-keyspace-events"), "A");  // Redis does not show n next to A
  EXPECT_EQ(Set(c, "notify-keyspace-events", "Kq"),
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
}

TEST(ConfigDirectiveTest, SpecialDirectivesValidateAsRedis) {
  Config c;
  c.enable_protected_configs = ProtectedAction::kYes;  // for dbfilename

  EXPECT_EQ(Set(c, "client-output-buffer-limit", "master 1 1 1"),
            "Invalid client class specified in buffer limit configuration.");
  EXPECT_EQ(Set(c, "client-output-buffer-limit", "normal 1 1 x"),
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  EXPECT_EQ(Set(c, "client-output-buffer-limit", "normal 1 1"),
            "Wrong number of arguments in buffer limit configuration.");
  EXPECT_EQ(Set(c, "client-output-buffer-limit", "replica 2mb 1mb 5"), "OK");
  EXPECT_EQ(c.output_limit_replica, (OutputBufferLimit{2 << 20, 1 << 20, 5}));
  EXPECT_EQ(Set(c, "oom-score-adj-values", "1 2 2001"),
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
  EXPECT_EQ(Set(c, "latency-tracking-info-percentiles", "50 101"),
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
  EXPECT_EQ(Set(c, "latency-tracking-info-percentiles", "99.9 50"), "OK");
  EXPECT_EQ(c.latency_tracking_info_percentiles, (std::vector<double>{99.9, 50}));
  EXPECT_EQ(Get(c, "latency-tracking-info-percentiles"), "99.9 50");
  EXPECT_EQ(Set(c, "proc-title-template", "{title}"),
            "template format is invalid or contains unknown variables");
  EXPECT_EQ(Set(c, "dbfilename", "a/b.rdb"), "dbfilename can't be a path, just a filename");
}

// Start-up only (immutable), so the differential suite cannot reach them with CONFIG SET.
TEST(ConfigDirectiveTest, AppendOnlyFileNamesAreNamesNotPaths) {
  auto error = [](std::string_view name, std::string value) {
    Config c;
    std::vector<std::string> words{std::move(value)};
    return std::string(FindDirective(name)->set(c, words, SetSource::kFile).message());
  };

  EXPECT_EQ(error("appendfilename", "a/b.aof"), "appendfilename can't be a path, just a filename");
  EXPECT_EQ(error("appendfilename", ""), "appendfilename can't be empty");
  EXPECT_EQ(error("appenddirname", "a\\b"), "appenddirname can't be a path, just a dirname");
  EXPECT_EQ(error("appenddirname", ""), "appenddirname can't be empty");
  EXPECT_EQ(error("appenddirname", "aof"), "");
}

TEST(ConfigDirectiveTest, ReplicaofIsRememberedAndShownWithoutReplication) {
  Config c;

  EXPECT_TRUE(ApplyConfigText("replicaof 10.0.0.1 6380\n", "", &c).ok());
  EXPECT_EQ(Get(c, "replicaof"), "10.0.0.1 6380");
  EXPECT_EQ(Get(c, "slaveof"), "10.0.0.1 6380");
  EXPECT_FALSE(ApplyConfigText("replicaof 10.0.0.1 70000\n", "", &c).ok());
  EXPECT_TRUE(ApplyConfigText("slaveof no one\n", "", &c).ok());
  EXPECT_EQ(Get(c, "replicaof"), "");
}

TEST(ConfigDirectiveTest, TlsProtocolsShowTheVersionsInForce) {
  Config c;

  EXPECT_EQ(Get(c, "tls-protocols"), "TLSv1.2 TLSv1.3");
  EXPECT_EQ(Set(c, "tls-protocols", "TLSv1.3"), "OK");
  EXPECT_EQ(c.tls.protocols, "TLSv1.3");
}

// README.md, found by walking up from the working directory (ctest runs in the build tree).
std::string ReadmeText() {
  for (std::filesystem::path dir = std::filesystem::current_path();; dir = dir.parent_path()) {
    std::ifstream in(dir / "README.md");
    std::stringstream text;
    text << in.rdbuf();
    if (in && text.str().starts_with("# Redoubt")) {
      return text.str();
    }
    if (dir == dir.root_path()) {
      return "";
    }
  }
}

// README's "Accepted without effect yet" table names, directly or with a glob, exactly the
// directives without effect (Redis's hidden test directives aside): none is missing, and none
// it names has an effect.
TEST(ConfigDirectiveTest, ReadmeListsTheDirectivesWithoutEffect) {
  std::string readme = ReadmeText();
  ASSERT_FALSE(readme.empty()) << "README.md not found above " << std::filesystem::current_path();
  size_t start = readme.find("**Accepted without effect yet.**");
  ASSERT_NE(start, std::string::npos);
  std::string section = readme.substr(start, readme.find("\n### ", start) - start);
  std::vector<std::string> patterns;
  std::regex code("`([^`]+)`");
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("| ")) {
      continue;
    }
    for (std::sregex_iterator it(line.begin(), line.end(), code), end; it != end; ++it) {
      patterns.push_back((*it)[1]);
    }
  }

  for (const DirectiveSpec& d : Directives()) {
    bool listed = std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
      return common::GlobMatch(p, d.name, /*nocase=*/false);
    });
    if (!d.Has(kHidden)) {
      EXPECT_EQ(listed, !d.implemented()) << d.name;
    }
  }
  for (const std::string& p : patterns) {
    EXPECT_TRUE(std::any_of(Directives().begin(), Directives().end(), [&](const DirectiveSpec& d) {
      return common::GlobMatch(p, d.name, /*nocase=*/false);
    })) << p;
  }
}

}  // namespace
}  // namespace redoubt::server
