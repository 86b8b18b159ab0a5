// The client a script's redis.call runs commands as (Redis's lua client): the caller's user,
// its own selected database (starting at the caller's; a SELECT in the script stays in the
// script, as in Redis 7), and a reply captured for the script instead of sent. MONITOR and
// SLOWLOG show it as "lua".
//
// Thread: the thread running the script.
#pragma once

#include <string>

#include "commands/client.h"
#include "protocol/reply_writer.h"

namespace redoubt::scripting {

class ScriptClient : public commands::Client {
 public:
  explicit ScriptClient(commands::Client& caller) : caller_(caller), writer_(&captured_) {
    db = caller.db;
    // The script's commands' errors count in INFO errorstats as they happen, as Redis counts
    // its script client's errors.
    writer_.set_error_observer(caller.reply().error_observer());
  }

  // The reply of the next command goes to *out, in RESP3 when resp3.
  void CaptureInto(std::string* out, bool resp3) {
    writer_.set_output(out);
    writer_.set_resp3(resp3);
  }

  uint64_t id() const override { return caller_.id(); }
  const std::string& peer_address() const override { return kPeer; }
  std::string NameForLog() const override { return {}; }
  std::string DescribeForLog() const override { return caller_.DescribeForLog(); }
  protocol::ReplyWriter& reply() override { return writer_; }
  bool is_local() const override { return caller_.is_local(); }
  bool is_primary_link() const override { return caller_.is_primary_link(); }
  bool is_script() const override { return true; }
  commands::Client& tracking_owner() override { return caller_.tracking_owner(); }
  bool authenticated() const override { return true; }
  const security::AclUser& user() const override { return caller_.user(); }
  bool RefreshUser(uint64_t acl_version) override { return caller_.RefreshUser(acl_version); }

 private:
  inline static const std::string kPeer = "lua";
  commands::Client& caller_;
  std::string captured_;
  protocol::ReplyWriter writer_;
};

}  // namespace redoubt::scripting
