// Access control: who may connect and authenticate (requirepass, aclfile, protected-mode),
// what the ACL log keeps (acllog-max-len) and new users' default channels
// (acl-pubsub-default), the audit log (audit-log-file), and whether the protected configs and
// the DEBUG and MODULE commands may be used (enable-protected-configs, enable-debug-command,
// enable-module-command: Redoubt has no modules, so MODULE LOAD fails when allowed). A CONFIG SET
// of them takes effect through the server's "requirepass", "acl", "protected-mode" and
// "audit-log-file" appliers (server_config.cc).
#include <string>

#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

EnumRule ProtectedActionRule() {
  return {.values = {{"no", static_cast<int>(ProtectedAction::kNo)},
                     {"yes", static_cast<int>(ProtectedAction::kYes)},
                     {"local", static_cast<int>(ProtectedAction::kLocal)}},
          .def = static_cast<int>(ProtectedAction::kNo)};
}

}  // namespace

void RegisterAccessDirectives(DirectiveRegistry& registry) {
  registry.Add(EnumDirective({.name = "enable-protected-configs", .flags = kImmutable},
                             ProtectedActionRule(), Field<int>(&Config::enable_protected_configs)));
  registry.Add(EnumDirective({.name = "enable-debug-command", .flags = kImmutable},
                             ProtectedActionRule(), Field<int>(&Config::enable_debug_command)));
  registry.Add(StringDirective({.name = "requirepass", .flags = kSensitive},
                               {.empty_is_null = true}, Field<std::string>(&Config::requirepass)));
  registry.Add(StringDirective({.name = "aclfile", .flags = kImmutable}, {.def = ""},
                               Field<std::string>(&Config::aclfile)));
  registry.Add(NumericDirective({.name = "acllog-max-len"}, Signed(0, kLongMax, 128),
                                ClampedIntField(&Config::acllog_max_len)));
  registry.Add(EnumDirective({.name = "acl-pubsub-default"},
                             {.values = {{"allchannels", 1}, {"resetchannels", 0}}, .def = 0},
                             Field<int>(&Config::acl_pubsub_allchannels)));
  // Redoubt's: it makes the server write a file, hence protected.
  registry.Add(
      StringDirective({.name = "audit-log-file", .flags = kProtected | kProtectedUnlessSame},
                      {.empty_is_null = true}, Field<std::string>(&Config::audit_log_file)));
  registry.Add(
      BoolDirective({.name = "protected-mode"}, true, Field<bool>(&Config::protected_mode)));
  // MODULE LOAD/UNLOAD's refusal; Redoubt loads no modules.
  registry.Add(EnumDirective({.name = "enable-module-command", .flags = kImmutable},
                             ProtectedActionRule(), Field<int>(&Config::enable_module_command)));
}

}  // namespace redoubt::server
