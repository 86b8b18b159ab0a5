# Differential cases for EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: conversions of replies
# both ways in RESP2 and RESP3 (redis.setresp), errors raised by redis.call and by Lua with
# Redis's "script: <sha>, on @user_script:<line>." suffix, redis.pcall and pcall, the sandbox
# (undefined and read-only globals, library tables, what the base library leaves out), the
# redis.* helpers, cjson and bit, a seeded math.random, shebang flags, read-only scripts, the
# script cache by SHA1, and commands scripts may not call.
from differential.cases import run


def ev(script, *keys_then_args, numkeys=0):
    return ("EVAL", script, str(numkeys), *keys_then_args)


def test_return_values(dp):
    run(dp,
        ev("return 1"), ev("return -7.9"), ev("return 1e20"), ev("return 'x'"), ev("return true"),
        ev("return false"), ev("return nil"), ev("return {1, 2, {3, 'x'}, 'y'}"),
        ev("return {1, 2, nil, 4}"), ev("return {ok='fine'}"), ev("return {err='My Error'}"),
        ev("return redis.status_reply('PONG')"), ev("return redis.error_reply('foo')"),
        ev("return redis.error_reply('-CODE message')"), ev("return {double=3.5}"),
        ev("return {map={a=1}}"), ev("return {set={a=true}}"), ev("return {big_number='123'}"),
        ev("return {verbatim_string={format='txt', string='hello'}}"),
        ev("return {}"), ev("return {ok='a\\r\\nb'}"))


def test_resp3_scripts(dp):
    run(dp,
        ev("redis.setresp(3) return true"), ev("redis.setresp(3) return false"),
        ev("redis.setresp(3) return {double=2.25}"),
        ("HSET", "h", "f", "v"), ("ZADD", "z", "1.5", "m"),
        ev("redis.setresp(3) return redis.call('hgetall', 'h')"),
        ev("redis.setresp(3) local r = redis.call('hgetall', 'h') return r.map.f"),
        ev("redis.setresp(3) local r = redis.call('zscore', 'z', 'm') return r.double"),
        ev("redis.setresp(3) return redis.call('zscore', 'z', 'nosuch') == nil"),
        ev("return redis.call('zscore', 'z', 'nosuch') == false"),
        ev("redis.setresp(3) return redis.call('ping')"),
        ev("return redis.setresp(4)"), ev("return redis.setresp()"))


def test_calls_and_errors(dp):
    run(dp,
        ("SET", "s", "abc"),
        ev("return redis.call('get', KEYS[1])", "s", numkeys=1),
        ev("return redis.call('incr', 's')"), ev("return redis.pcall('incr', 's')"),
        ev("return redis.call('nosuch')"), ev("return redis.pcall('nosuch')"),
        ev("return redis.call('get')"), ev("return redis.call()"), ev("return redis.call({})"),
        ev("return redis.call('multi')"), ev("return redis.call('eval', 'return 1', 0)"),
        ev("return redis.call('blpop', 'nolist', 0)"),
        ev("return redis.call('set', 'n', 0.1)"), ev("return redis.call('get', 'n')"),
        ev("return redis.call('set', 'n', 123456789012)"), ev("return redis.call('get', 'n')"),
        ev("return redis.call('get', 1e20)"),
        ev("return pcall(function() redis.call('incr', 's') end)"),
        ev("return {pcall(error, {err='x'})}"),
        ev("error('boom')"), ev("error()"), ev("error(123)"),
        ev("local x = nil; return x.y"), ev("syntax error here"),
        ev("return 1", numkeys=-1), ev("return 1", "a", numkeys=2), ("EVAL", "return 1", "x"),
        ev("return {redis.call('set', 'k', 'v'), redis.call('get', 'k')}"),
        ev("return redis.call('select', 5)"), ("GET", "k"))


def test_sandbox(dp):
    run(dp,
        ev("return x"), ev("x = 1"), ev("KEYS = 1"), ev("redis.call = nil"),
        ev("string.x = 1"), ev("return rawset(_G, 'a', 1)"), ev("setmetatable(_G, {})"),
        ev("setmetatable(string, {})"), ev("getmetatable('').__index = {}"),
        ev("return getmetatable('').__index == string"), ev("return type(getmetatable(_G))"),
        ev("return type(getmetatable(string))"), ev("return type(rawget(_G, 'redis'))"),
        ev("local n = 0 for k, v in pairs(math) do n = n + 1 end return n"),
        ev("return type(next(string))"), ev("return (\"x\"):upper()"),
        ev("local t = {} setmetatable(t, {}) return 1"),
        ev("return loadstring('return 1')()"), ev("return loadstring('y = 2')()"),
        # Precompiled chunks are refused: loadstring answers nil (and load too).
        ev("return loadstring(string.dump(function() return 1 end)) == nil"),
        ev("return loadstring(string.dump(function() return 1 end))()"),
        ev("local f = load(function() return nil end) return type(f)"),
        ev("local s = string.dump(function() return 1 end) local done = false "
           "return load(function() if done then return nil end done = true return s end) == nil"),
        ev("local done = false return load(function() if done then return nil end "
           "done = true return 'return 7' end)()"))
    for name in ("os", "io", "print", "dofile", "loadfile", "require", "module", "debug",
                 "getfenv", "setfenv", "newproxy", "package", "string", "math", "table",
                 "coroutine", "cjson", "bit", "redis", "unpack", "gcinfo", "load", "_G",
                 "__redis__err__handler", "collectgarbage", "select"):
        dp.check("EVAL", f"return type({name})", "0")


def test_helpers_and_libraries(dp):
    run(dp,
        ev("return redis.sha1hex('')"), ev("return redis.sha1hex('abc')"),
        ev("return redis.sha1hex()"), ev("return redis.REDIS_VERSION"),
        ev("return redis.REDIS_VERSION_NUM"), ev("return redis.LOG_WARNING"),
        ev("return redis.log(redis.LOG_WARNING, 'from', 'a script')"), ev("return redis.log(1)"),
        ev("return redis.log('x', 'y')"), ev("return redis.log(9, 'y')"),
        ev("return redis.replicate_commands()"), ev("redis.set_repl(redis.REPL_ALL) return 1"),
        ev("redis.set_repl(9) return 1"), ev("redis.set_repl() return 1"),
        ev("return redis.breakpoint()"),
        ev("return redis.acl_check_cmd('set', 'a', 'b')"),
        ev("return redis.acl_check_cmd('nosuch')"),
        ev("return cjson.encode({a=1})"), ev("return cjson.decode('[1,2,3]')"),
        ev("return cjson.decode('{\"a\":[1,2]}').a[2]"), ev("return bit.band(7, 3)"),
        ev("return bit.tohex(65535)"), ev("return string.format('%d %s', 5, 'x')"),
        ev("return table.concat({1, 2, 3}, ',')"), ev("return {unpack({1, 2})}"),
        ev("return select('#', 1, 2, 3)"),
        ev("return coroutine.wrap(function() coroutine.yield(5) end)()"),
        ev("return _VERSION"), ev("return #KEYS", "a", "b", "c", numkeys=3),
        ev("return {KEYS, ARGV}", "k1", "a1", "a2", numkeys=1),
        ev("math.randomseed(7) return {math.random(100), math.random(100), math.random(5, 9)}"),
        ev("math.randomseed(42) return tostring(math.random())"),
        ev("return math.random(0)"))


def test_shebang_flags_and_read_only(dp):
    run(dp,
        ev("#!lua flags=no-writes\nreturn redis.call('get', 'a')"),
        ev("#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')"),
        ev("#!lua flags=no-writes,allow-oom\nreturn 1"), ev("#!lua flags=\nreturn 2"),
        ev("#!lua flags=bogus\nreturn 1"), ev("#!lua name=x\nreturn 1"),
        ev("#!python\nreturn 1"), ev("#!lua"), ev("#!lua\nreturn redis.call('set', 'a', 'b')"),
        ev("#!lua\n\nerror('line three')"),
        ("EVAL_RO", "return redis.call('set', 'a', 'b')", "0"),
        ("EVAL_RO", "return redis.call('get', 'a')", "0"),
        ("EVAL_RO", "#!lua\nreturn 1", "0"), ("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"),
        ("EVAL_RO", "return redis.call('publish', 'c', 'm')", "0"))


def test_script_cache(dp):
    run(dp,
        ("SCRIPT", "FLUSH"),
        ("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"),
        ("SCRIPT", "LOAD", "return 'loaded'"),
        ("EVALSHA", "B534286061D4B9E4026607613B95C06C06015AE8", "0"),
        ("EVALSHA_RO", "b534286061d4b9e4026607613b95c06c06015ae8", "0"),
        ("SCRIPT", "EXISTS", "b534286061d4b9e4026607613b95c06c06015ae8", "ffff"),
        ("EVAL", "return 'via eval'", "0"),
        ("SCRIPT", "EXISTS", "7c4f3e8c7e1b0e4f0a7c1e8a3c6f4b1a2d3e4f5a"),
        ("SCRIPT", "LOAD", "syntax error"), ("SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"),
        ("SCRIPT", "FLUSH", "ASYNC"), ("SCRIPT", "FLUSH", "bogus"), ("SCRIPT", "FLUSH", "a", "b"),
        ("SCRIPT", "EXISTS", "b534286061d4b9e4026607613b95c06c06015ae8"),
        ("EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"),
        ("SCRIPT", "KILL"), ("SCRIPT", "NOSUCH"), ("SCRIPT", "HELP"))


def test_script_effects_and_multi(dp):
    run(dp,
        ev("redis.call('rpush', KEYS[1], 'a', 'b') redis.call('lpop', KEYS[1]) "
           "return redis.call('lrange', KEYS[1], 0, -1)", "l", numkeys=1),
        ("MULTI",), ev("return redis.call('incr', 'c')"), ("INCR", "c"), ("EXEC",),
        ("GET", "c"), ("MULTI",), ("SCRIPT", "LOAD", "return 1"), ("EXEC",),
        ev("redis.call('set', 'x', 1) return redis.call('incr', 's2')"),
        ("GET", "x"), ("DEL", "x", "l", "c"))


def test_cmsgpack_and_struct(dp):
    # The packed bytes in hex (the first 40, and the length: hexing 70 KB in Lua takes seconds).
    hexed = ("local h = '' for i = 1, math.min(#s, 40) do "
             "h = h .. string.format('%02x', string.byte(s, i)) end h = h .. ':' .. #s ")
    for value in ("0.1", "1.5", "-1", "-33", "-129", "-40000", "-3000000000", "127", "128", "300",
                  "70000", "5000000000", "2^53", "-2^63", "1/0", "'short'", "string.rep('x', 40)",
                  "string.rep('y', 300)", "string.rep('z', 70000)", "true", "false", "nil",
                  "{}", "{1, 2, 3}", "{a = 1}", "{1, 2, nil, 4}", "{[1] = 'a', [3] = 'c'}",
                  "{{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}}", "string.rep('a', 16)"):
        dp.check("EVAL", f"local s = cmsgpack.pack({value}) {hexed} return h", "0")
    run(dp,
        ev("local t = {} t.self = t return #cmsgpack.pack(t)"),
        ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, {x = 5}))}"),
        ev("local a, b = cmsgpack.unpack(cmsgpack.pack({x = {y = 'z'}}, -7.25)) "
           "return {a.x.y, tostring(b)}"),
        ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"),
        ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}"),
        ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
        ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 2)}"),
        ev("return cmsgpack.unpack(string.char(0xc1))"),
        ev("return cmsgpack.unpack(string.char(0xcd, 1))"),
        ev("return cmsgpack.unpack_one('abc', 10)"),
        ev("return cmsgpack.unpack_limit('abc', -1)"),
        ev("return cmsgpack.pack()"),
        ev("return {cmsgpack._NAME, cmsgpack._VERSION}"),
        ev("return struct.pack('>I2', 258)"), ev("return struct.pack('<i4', -2)"),
        ev("return {struct.unpack('>I2', struct.pack('>I2', 258))}"),
        ev("return {struct.unpack('<i4c3', struct.pack('<i4c3', -2, 'abc'))}"),
        ev("return {struct.unpack('bBhHlLT', struct.pack('bBhHlLT', -1, 255, -300, 60000, -5, 7, 9))}"),
        ev("return {struct.unpack('s', 'abc' .. string.char(0) .. 'rest')}"),
        ev("return {struct.unpack('!4 b i', struct.pack('!4 b i', 1, 2))}"),
        ev("return struct.size('!8 b d')"), ev("return struct.size('>i3 c5 x')"),
        ev("return {struct.unpack('d', struct.pack('d', 1.5))[1]}"),
        ev("return tostring(struct.unpack('f', struct.pack('f', 0.5)))"),
        ev("return {struct.unpack('i1 c0', struct.pack('i1', 3) .. 'xyz')}"),
        ev("return struct.pack('c5', 'ab')"), ev("return struct.pack('z', 1)"),
        ev("return struct.pack('!3', 1)"), ev("return struct.size('s')"),
        ev("return struct.unpack('i4', 'ab')"), ev("return struct.unpack('s', 'abc')"),
        ev("return struct.unpack('i', 'abcd', 0)"), ev("return struct.pack('i40', 1)"),
        ev("return {struct.unpack('i4', 'xxxx' .. struct.pack('i4', 9), 5)}"))


def test_keys_expire_by_the_script_start_time(d):
    # A key set with a 50 ms TTL inside the script is still there after the script waited
    # 120 ms by the server's own clock (TIME): keys expire by the time the script started.
    # The wait is bounded by a count as well.
    wait = ("local function now() local t = redis.call('time') "
            "return t[1] * 1000 + math.floor(t[2] / 1000) end "
            "redis.call('set', KEYS[1], 'v', 'px', 50) local start = now() local n = 0 "
            "while now() - start < 120 and n < 50000000 do n = n + 1 end "
            "return {redis.call('get', KEYS[1]), redis.call('exists', KEYS[1])}")
    d.check("EVAL", wait, "1", "frozen")
    # After the script the clock runs again: its 50 ms passed while the script waited.
    d.check("GET", "frozen")


def test_sort_of_a_set_is_ordered_for_scripts(dp):
    """SORT BY a constant leaves a set's order to its table, except for a script, which gets
    it sorted (as Redis does, so a script sees the same on every server)."""
    run(dp, ("SADD", "myset", "a", "b", "c", "d", "e", "z", "aa", "aaa", "azz", "10", "2"),
        ev("return redis.call('sort', KEYS[1], 'by', '_')", "myset", numkeys=1),
        ev("return redis.call('sort', KEYS[1], 'by', '_', 'get', '#', 'get', '_:*')", "myset",
           numkeys=1),
        ev("return redis.call('sort', KEYS[1], 'by', '_', 'desc', 'limit', 0, 3)", "myset",
           numkeys=1),
        ("RPUSH", "mylist", "c", "a", "b"),
        ev("return redis.call('sort', KEYS[1], 'by', '_')", "mylist", numkeys=1))
