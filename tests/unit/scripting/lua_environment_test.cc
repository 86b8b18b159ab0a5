// LuaEnvironment with a recording host: how results and errors reach the reply, what redis.call
// hands the host and makes of its replies, the sandbox's refusals, SCRIPT KILL through the hook
// (not swallowed by pcall), shebang parsing, and a functions state: what a loading library
// may reach and register, and its functions called with keys and args.
#include "scripting/lua_environment.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/reply_writer.h"
#include "scripting/script_cache.h"
#include "scripting/script_flags.h"

namespace redoubt::scripting {
namespace {

// Answers every command with a canned RESP reply and remembers what it was asked.
class RecordingHost : public ScriptHost {
 public:
  bool Call(std::span<const std::string_view> args, bool resp3, bool propagate, std::string* reply,
            std::string* error) override {
    calls.emplace_back(args.begin(), args.end());
    last_resp3 = resp3;
    last_propagate = propagate;
    if (!refusal.empty()) {
      *error = refusal;
      return false;
    }
    reply->append(canned);
    return true;
  }
  bool AclCheck(std::span<const std::string_view>, bool* allowed, std::string*) override {
    *allowed = true;
    return true;
  }
  bool KillRequested() override { return ++checks > kill_after_checks; }
  void StillRunning() override {}

  std::string canned = "+OK\r\n";
  std::string refusal;
  std::vector<std::vector<std::string>> calls;
  bool last_resp3 = false;
  bool last_propagate = true;
  int checks = 0;
  int kill_after_checks = 1 << 30;
};

class LuaEnvironmentTest : public ::testing::Test {
 protected:
  // Runs body with the given keys and arguments; returns the reply bytes (RESP3 when asked).
  std::string Eval(std::string_view body, std::vector<std::string_view> keys = {},
                   std::vector<std::string_view> argv = {}, bool resp3 = false) {
    std::string sha = Sha1Hex(body);
    ScriptFlags flags;
    EXPECT_EQ(ParseShebang(body, &flags), "");
    std::string error;
    if (!lua.Defined(sha) && !lua.Define(sha, body, flags, &error)) {
      return "-" + error + "\r\n";
    }
    std::string out;
    protocol::ReplyWriter writer(&out);
    writer.set_resp3(resp3);
    lua.Run(sha, keys, argv, host, writer);
    return out;
  }
  std::string Suffix(std::string_view body, int line = 1) {
    return " script: " + Sha1Hex(body) + ", on @user_script:" + std::to_string(line) + ".\r\n";
  }

  LuaEnvironment lua{"7.0.15"};
  RecordingHost host;
};

TEST_F(LuaEnvironmentTest, ResultsBecomeRepliesAsRedisConvertsThem) {
  EXPECT_EQ(Eval("return 3.99"), ":3\r\n");
  EXPECT_EQ(Eval("return 'x'"), "$1\r\nx\r\n");
  EXPECT_EQ(Eval("return true"), ":1\r\n");
  EXPECT_EQ(Eval("return false"), "$-1\r\n");
  EXPECT_EQ(Eval("return false", {}, {}, /*resp3=*/true), "_\r\n");
  EXPECT_EQ(Eval("redis.setresp(3) return false", {}, {}, true), "#f\r\n");
  EXPECT_EQ(Eval("return {1, 'a', {2}, nil, 5}"), "*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n");
  EXPECT_EQ(Eval("return {ok='fine'}"), "+fine\r\n");
  EXPECT_EQ(Eval("return {err='CODE text'}"), "-CODE text\r\n");
  EXPECT_EQ(Eval("return {double=1.5}", {}, {}, true), ",1.5\r\n");
  EXPECT_EQ(Eval("return {map={a=1}}", {}, {}, true), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval("return {set={a=true}}"), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(Eval("return 0/0"), ":-9223372036854775808\r\n");
  EXPECT_EQ(Eval("return {KEYS[2], ARGV[1], #ARGV}", {"k1", "k2"}, {"a"}),
            "*3\r\n$2\r\nk2\r\n$1\r\na\r\n:1\r\n");
}

TEST_F(LuaEnvironmentTest, RedisCallHandsTheHostStringsAndConvertsItsReply) {
  host.canned = "*3\r\n:7\r\n$-1\r\n%1\r\n+k\r\n,2.5\r\n";
  EXPECT_EQ(Eval("local r = redis.call('cmd', 1.5, 10, 'x') "
                 "return {r[1], type(r[2]), type(r[3].map)}"),
            "*3\r\n:7\r\n$7\r\nboolean\r\n$5\r\ntable\r\n");
  ASSERT_EQ(host.calls.size(), 1u);
  EXPECT_EQ(host.calls[0], (std::vector<std::string>{"cmd", "1.5", "10", "x"}));
  EXPECT_FALSE(host.last_resp3);
  Eval("redis.setresp(3) redis.set_repl(redis.REPL_NONE) redis.call('x')");
  EXPECT_TRUE(host.last_resp3);
  EXPECT_FALSE(host.last_propagate);
}

TEST_F(LuaEnvironmentTest, ErrorsCarryTheScriptAndLine) {
  host.canned = "-WRONGTYPE bad\r\n";
  const std::string call = "\nreturn redis.call('get', 'k')";
  EXPECT_EQ(Eval(call), "-WRONGTYPE bad" + Suffix(call, 2));
  EXPECT_EQ(Eval("return redis.pcall('get', 'k')"), "-WRONGTYPE bad\r\n");
  host.refusal = "ERR This Redis command is not allowed from script";
  const std::string refused = "return redis.call('multi')";
  EXPECT_EQ(Eval(refused), "-ERR This Redis command is not allowed from script" + Suffix(refused));
  EXPECT_EQ(Eval("error('boom')"), "-ERR user_script:1: boom" + Suffix("error('boom')"));
  EXPECT_EQ(Eval("return {pcall(error, {err='x'})}"), "*2\r\n$-1\r\n$1\r\nx\r\n");
  EXPECT_EQ(Eval("syntax error"),
            "-ERR Error compiling script (new function): user_script:1: '=' expected near "
            "'error'\r\n");
}

TEST_F(LuaEnvironmentTest, TheSandboxRefusesWhatRedisRefuses) {
  EXPECT_EQ(Eval("return x"),
            "-ERR user_script:1: Script attempted to access nonexistent "
            "global variable 'x'" +
                Suffix("return x"));
  EXPECT_EQ(Eval("x = 1"),
            "-ERR user_script:1: Attempt to modify a readonly table" + Suffix("x = 1"));
  EXPECT_EQ(Eval("string.upper = nil"), "-ERR user_script:1: Attempt to modify a readonly table" +
                                            Suffix("string.upper = nil"));
  EXPECT_EQ(Eval("rawset(_G, 'a', 1)"),
            "-ERR Attempt to modify a readonly table" + Suffix("rawset(_G, 'a', 1)"));
  EXPECT_EQ(Eval("getmetatable('').__index = {}"),
            "-ERR user_script:1: Attempt to modify a readonly table" +
                Suffix("getmetatable('').__index = {}"));
  for (const char* absent :
       {"os", "io", "print", "dofile", "loadfile", "require", "debug", "setfenv", "getfenv"}) {
    const std::string body = std::string("return ") + absent;
    EXPECT_NE(Eval(body).find("nonexistent global variable"), std::string::npos) << absent;
  }
  // Nothing a script did survives into the next one.
  EXPECT_EQ(Eval("return ('x'):upper()"), "$1\r\nX\r\n");
  EXPECT_EQ(Eval("local n = 0 for _ in pairs(bit) do n = n + 1 end return n > 5"), ":1\r\n");
}

TEST_F(LuaEnvironmentTest, KillRaisesEvenThroughPcall) {
  host.kill_after_checks = 2;
  const std::string body = "while true do pcall(function() while true do end end) end";
  EXPECT_EQ(Eval(body).rfind("-ERR Script killed by user with SCRIPT KILL... script: ", 0), 0u);
  // The state stays usable.
  host.kill_after_checks = 1 << 30;
  EXPECT_EQ(Eval("return 1"), ":1\r\n");
}

TEST_F(LuaEnvironmentTest, MathRandomDrawsWhatRedisDraws) {
  // The numbers redis-server 7.0 answers for the same seeds (its 48-bit generator).
  EXPECT_EQ(Eval("math.randomseed(7) return {math.random(100), math.random(100), "
                 "math.random(5, 9)}"),
            "*3\r\n:27\r\n:69\r\n:6\r\n");
  EXPECT_EQ(Eval("math.randomseed(0) return tostring(math.random())"),
            "$16\r\n0.17082803611217\r\n");
  EXPECT_NE(Eval("return math.random(0)").find("interval is empty"), std::string::npos);
}

TEST(ScriptFlagsTest, ParsesRedisShebangs) {
  ScriptFlags flags;
  EXPECT_EQ(ParseShebang("return 1", &flags), "");
  EXPECT_FALSE(flags.has_shebang);
  EXPECT_EQ(ParseShebang("#!lua flags=no-writes,allow-oom\nreturn 1", &flags), "");
  EXPECT_TRUE(flags.has_shebang && flags.no_writes && flags.allow_oom && !flags.allow_stale);
  EXPECT_EQ(flags.shebang_bytes, 31u);
  EXPECT_EQ(ParseShebang("#!lua flags=\nreturn 1", &flags), "");
  EXPECT_EQ(ParseShebang("#!lua", &flags), "ERR Invalid script shebang");
  EXPECT_EQ(ParseShebang("#!python\n", &flags),
            "ERR Unexpected engine in script shebang: #!python");
  EXPECT_EQ(ParseShebang("#!lua flags=x\n", &flags), "ERR Unexpected flag in script shebang: x");
  EXPECT_EQ(ParseShebang("#!lua name=y\n", &flags), "ERR Unknown lua shebang option: name=y");
}

// A library as FUNCTION LOAD runs it: what it registers, with flags and description, and its
// functions called as FCALL calls them, with the keys and args tables and the full API.
TEST(LuaFunctionsTest, LibrariesRegisterFunctionsThatRunWithKeysAndArgs) {
  LuaEnvironment lua("7.0.15", LuaMode::kFunctions);
  std::vector<RegisteredFunction> functions;
  std::string error;
  ASSERT_TRUE(lua.LoadLibrary(
      "\nredis.register_function('echo', function(keys, args) "
      "return {keys[1], args[1], type(math), type(KEYS)} end)\n"
      "redis.register_function{function_name='ro', callback=function() return 1 end, "
      "flags={'NO-WRITES'}, description='d'}",
      0, &functions, &error))
      << error;
  ASSERT_EQ(functions.size(), 2u);
  EXPECT_EQ(functions[0].def.name, "echo");
  EXPECT_TRUE(functions[0].def.flags.has_shebang);
  EXPECT_FALSE(functions[0].def.flags.no_writes);
  EXPECT_EQ(functions[1].def.name, "ro");
  EXPECT_TRUE(functions[1].def.flags.no_writes);
  EXPECT_EQ(functions[1].def.description, "d");

  RecordingHost host;
  std::string out;
  protocol::ReplyWriter writer(&out);
  const std::vector<std::string_view> keys{"k"};
  const std::vector<std::string_view> args{"a"};
  lua.CallFunction(functions[0].ref, "echo", keys, args, host, writer);
  // KEYS is no global of a function: reading it fails, named after the function and its line.
  EXPECT_EQ(out,
            "-ERR user_function:2: Script attempted to access nonexistent global variable 'KEYS' "
            "script: echo, on @user_function:2.\r\n");
}

TEST(LuaFunctionsTest, ALoadingLibrarySeesOnlyTheLibraryApi) {
  LuaEnvironment lua("7.0.15", LuaMode::kFunctions);
  auto load_error = [&](std::string_view body) {
    std::vector<RegisteredFunction> functions;
    std::string error;
    EXPECT_FALSE(lua.LoadLibrary(body, 0, &functions, &error)) << body;
    EXPECT_TRUE(functions.empty());
    return error;
  };
  EXPECT_EQ(load_error("\nreturn math.random()"),
            "Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'math'");
  EXPECT_EQ(load_error("\nreturn redis.call('ping')"),
            "Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'call'");
  EXPECT_EQ(load_error("\na = 1"),
            "Error registering functions: ERR user_function:2: Attempt to modify a readonly "
            "table");
  EXPECT_EQ(load_error("\nredis.register_function('f', function() end)\n"
                       "redis.register_function('F', function() end)"),
            "Error registering functions: ERR Function already exists in the library");
  EXPECT_EQ(load_error("\nredis.register_function('a b', function() end)"),
            "Error registering functions: ERR Library names can only contain letters, numbers, "
            "or underscores(_) and must be at least one character long");
  EXPECT_EQ(load_error("\nnot lua"),
            "Error compiling function: user_function:2: unexpected symbol near 'not'");
}

TEST(LuaFunctionsTest, LoadStopsAtItsTimeout) {
  LuaEnvironment lua("7.0.15", LuaMode::kFunctions);
  std::vector<RegisteredFunction> functions;
  std::string error;
  EXPECT_FALSE(lua.LoadLibrary("\nwhile true do end", 20, &functions, &error));
  EXPECT_EQ(error, "Error registering functions: ERR FUNCTION LOAD timeout");
}

// redis.register_function is the library API's: at run time it is nil in `redis`, and a copy
// of the load-time table kept by the library refuses to register.
TEST(LuaFunctionsTest, FunctionsCannotRegisterFunctions) {
  LuaEnvironment lua("7.0.15", LuaMode::kFunctions);
  std::vector<RegisteredFunction> functions;
  std::string error;
  ASSERT_TRUE(lua.LoadLibrary(
      "\nlocal lib = redis\n"
      "redis.register_function('direct', function() redis.register_function('x', type) end)\n"
      "redis.register_function('kept', function() lib.register_function('x', function() end) "
      "end)",
      0, &functions, &error))
      << error;
  RecordingHost host;
  std::string out;
  protocol::ReplyWriter writer(&out);
  lua.CallFunction(functions[0].ref, "direct", {}, {}, host, writer);
  EXPECT_NE(out.find("attempt to call field 'register_function' (a nil value)"), std::string::npos)
      << out;
  out.clear();
  lua.CallFunction(functions[1].ref, "kept", {}, {}, host, writer);
  EXPECT_EQ(out,
            "-ERR redis.register_function can only be called on FUNCTION LOAD command script: "
            "kept, on @user_function:4.\r\n");
}

}  // namespace
}  // namespace redoubt::scripting
