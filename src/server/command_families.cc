// The list of command families: the one place that decides which commands the server has.
#include "commands/bitmap_commands.h"
#include "commands/database_commands.h"
#include "commands/expire_commands.h"
#include "commands/geo_commands.h"
#include "commands/hash_commands.h"
#include "commands/hyperloglog_commands.h"
#include "commands/key_commands.h"
#include "commands/key_listing_commands.h"
#include "commands/list_commands.h"
#include "commands/object_commands.h"
#include "commands/set_commands.h"
#include "commands/sort_commands.h"
#include "commands/stream_commands.h"
#include "commands/string_commands.h"
#include "commands/zset_commands.h"
#include "persistence/dump_commands.h"
#include "server/acl_command.h"
#include "server/client_command.h"
#include "server/cluster_command.h"
#include "server/command_command.h"
#include "server/config_command.h"
#include "server/connection_commands.h"
#include "server/function_commands.h"
#include "server/info_command.h"
#include "server/latency_command.h"
#include "server/memory_command.h"
#include "server/migrate_command.h"
#include "server/pubsub_commands.h"
#include "server/replication_commands.h"
#include "server/script_commands.h"
#include "server/server_commands.h"
#include "server/slowlog_command.h"
#include "server/transaction_commands.h"

namespace redoubt::server {

void RegisterAllCommands(commands::CommandTable& table) {
  commands::RegisterStringCommands(table);
  commands::RegisterKeyCommands(table);
  commands::RegisterExpireCommands(table);
  commands::RegisterKeyListingCommands(table);
  commands::RegisterDatabaseCommands(table);
  commands::RegisterObjectCommands(table);
  commands::RegisterListCommands(table);
  commands::RegisterHashCommands(table);
  commands::RegisterStreamCommands(table);
  commands::RegisterStreamInfoCommands(table);
  commands::RegisterStreamGroupCommands(table);
  commands::RegisterSetCommands(table);
  commands::RegisterSetAlgebraCommands(table);
  commands::RegisterZsetCommands(table);
  commands::RegisterZsetRangeCommands(table);
  commands::RegisterZsetAlgebraCommands(table);
  commands::RegisterBitmapCommands(table);
  commands::RegisterSortCommands(table);
  commands::RegisterHyperLogLogCommands(table);
  commands::RegisterGeoCommands(table);
  persistence::RegisterDumpCommands(table);
  RegisterConnectionCommands(table);
  RegisterTransactionCommands(table);
  RegisterPubSubCommands(table);
  RegisterClientCommand(table);
  RegisterAclCommand(table);
  RegisterInfoCommand(table);
  RegisterConfigCommand(table);
  RegisterCommandCommand(table);
  RegisterServerCommands(table);
  RegisterReplicationCommands(table);
  RegisterClusterCommands(table);
  RegisterMigrateCommand(table);
  RegisterSlowlogCommand(table);
  RegisterLatencyCommand(table);
  RegisterMemoryCommand(table);
  RegisterFunctionCommands(table);
  RegisterScriptCommands(table);
}

}  // namespace redoubt::server
