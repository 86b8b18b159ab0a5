// What the ACL check adds to a request: AclUser::Check for an application user with command
// rules and key patterns (the path a restricted user takes on every command), against the
// real catalog of Redis 7.0 commands. The default user skips the check (one flag test).
#include <benchmark/benchmark.h>

#include "security/acl_categories.h"
#include "security/acl_command_catalog.h"
#include "security/acl_user.h"

namespace redoubt::security {
namespace {

struct Fixture {
  Fixture() {
    catalog.AddReferenceCommands();
    for (std::string_view rule :
         {"on", ">apppw", "resetkeys", "~key:*", "~counter:*", "~mylist*", "%R~ro:*", "-@all",
          "+@read", "+@write", "+@connection", "-@dangerous"}) {
      user.Apply(rule, catalog, false);
    }
  }
  AclCommandCatalog catalog;
  AclUser user{"app", catalog, false};
};

void BM_AclCheckGet(benchmark::State& state) {
  static Fixture f;
  const AclCommand* get = f.catalog.Find("get");
  std::string_view args[] = {"get", "key:000000123456"};
  AclKeyUse keys[] = {{"key:000000123456", kAclKeyRead}};
  for (auto _ : state) {
    size_t denied = 0;
    benchmark::DoNotOptimize(f.user.Check({get, args, keys}, &denied));
  }
}
BENCHMARK(BM_AclCheckGet);

void BM_AclCheckSetOnLastPattern(benchmark::State& state) {
  static Fixture f;
  const AclCommand* set = f.catalog.Find("set");
  std::string_view args[] = {"set", "mylist", "v"};
  AclKeyUse keys[] = {{"mylist", kAclKeyWrite}};
  for (auto _ : state) {
    size_t denied = 0;
    benchmark::DoNotOptimize(f.user.Check({set, args, keys}, &denied));
  }
}
BENCHMARK(BM_AclCheckSetOnLastPattern);

}  // namespace
}  // namespace redoubt::security
