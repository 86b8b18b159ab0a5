// ioredis's documented usage, run against one server (REDIS_PORT on 127.0.0.1): commands and
// replies, pipelines, MULTI, Lua through defineCommand (EVALSHA, falling back to EVAL on
// NOSCRIPT), pub/sub with patterns, streams with a consumer group, scanStream, and client-side
// caching's RESP3-free form (CLIENT TRACKING with REDIRECT to a subscriber). Each example
// checks what it got; the script prints one line per example and exits 1 on the first failure.
//
// Run by tests/integration/test_node_clients.py against redoubt-server and redis-server.
import assert from "node:assert/strict";
import Redis from "ioredis";

const port = Number(process.env.REDIS_PORT);
const options = { host: "127.0.0.1", port, maxRetriesPerRequest: 1, lazyConnect: false };

async function basics(redis) {
  assert.equal(await redis.set("greeting", "hello", "EX", 100), "OK");
  assert.equal(await redis.get("greeting"), "hello");
  assert.equal(await redis.incrby("counter", 5), 5);
  await redis.hset("user:1", { name: "ada", lang: "en" });
  assert.deepEqual(await redis.hgetall("user:1"), { name: "ada", lang: "en" });
  await redis.zadd("board", 10, "a", 30, "c", 20, "b");
  assert.deepEqual(await redis.zrevrange("board", 0, -1, "WITHSCORES"),
                   ["c", "30", "b", "20", "a", "10"]);
  await redis.rpush("list", "x", "y", "z");
  assert.deepEqual(await redis.lrange("list", 0, -1), ["x", "y", "z"]);
  const buf = await redis.getBuffer("greeting");
  assert.ok(Buffer.isBuffer(buf) && buf.toString() === "hello");
  await assert.rejects(redis.lpush("greeting", "x"), /WRONGTYPE/);
}

async function pipelineAndMulti(redis) {
  const results = await redis.pipeline().set("p1", "1").incr("p1").get("p1").exec();
  assert.deepEqual(results, [[null, "OK"], [null, 2], [null, "2"]]);
  const tx = await redis.multi().set("m1", "a").append("m1", "b").get("m1").exec();
  assert.deepEqual(tx, [[null, "OK"], [null, 2], [null, "ab"]]);
  // WATCH: a change by another connection aborts the transaction (null result).
  const other = new Redis(options);
  await redis.watch("w");
  await other.set("w", "changed");
  assert.equal(await redis.multi().set("w", "mine").exec(), null);
  other.disconnect();
}

async function luaCommands(redis) {
  redis.defineCommand("incrCapped", {
    numberOfKeys: 1,
    lua: `local v = redis.call('INCR', KEYS[1])
          if v > tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end
          return v`,
  });
  await redis.script("FLUSH");  // the first call meets NOSCRIPT and falls back to EVAL
  const values = [];
  for (let i = 0; i < 5; i++) values.push(await redis.incrCapped("capped", 3));
  assert.deepEqual(values, [1, 2, 3, 3, 3]);
  assert.deepEqual(await redis.eval("return {KEYS[1], ARGV[1], 42}", 1, "k", "v"), ["k", "v", 42]);
  await assert.rejects(redis.eval("return redis.call('nosuchcommand')", 0),
                       /Unknown Redis command/);
}

async function pubsub() {
  const sub = new Redis(options);
  const pub = new Redis(options);
  const got = [];
  const done = new Promise((resolve) => {
    sub.on("message", (channel, message) => { got.push(`${channel}:${message}`); if (got.length === 3) resolve(); });
    sub.on("pmessage", (pattern, channel, message) => { got.push(`${pattern}|${channel}:${message}`); if (got.length === 3) resolve(); });
  });
  await sub.subscribe("news");
  await sub.psubscribe("sport.*");
  assert.equal(await pub.publish("news", "one"), 1);
  assert.equal(await pub.publish("sport.tennis", "two"), 1);
  assert.equal(await pub.publish("news", "three"), 1);
  await done;
  assert.deepEqual(got, ["news:one", "sport.*|sport.tennis:two", "news:three"]);
  sub.disconnect();
  pub.disconnect();
}

// Waits until the client with this id is blocked (CLIENT LIST flag b): no race with the
// command that is to wake it. Bounded by 10 s.
async function untilBlocked(redis, id) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const line = (await redis.client("LIST", "ID", id)).trim();
    if (/ flags=\S*b/.test(line)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`client ${id} never blocked`);
}

async function streams(redis) {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await redis.xadd("events", "*", "n", String(i)));
  assert.equal(await redis.xlen("events"), 5);
  await redis.xgroup("CREATE", "events", "workers", "0");
  const batch = await redis.xreadgroup("GROUP", "workers", "w1", "COUNT", 3, "STREAMS", "events", ">");
  assert.equal(batch[0][1].length, 3);
  assert.equal(await redis.xack("events", "workers", ...batch[0][1].map((e) => e[0])), 3);
  const pending = await redis.xpending("events", "workers");
  assert.equal(pending[0], 0);
  // A blocked reader on another connection is woken by the next XADD.
  const reader = new Redis(options);
  const readerId = await reader.client("ID");
  const blocked = reader.xread("BLOCK", 10000, "STREAMS", "events", "$");
  await untilBlocked(redis, readerId);
  await redis.xadd("events", "*", "n", "late");
  const woke = await blocked;
  assert.equal(woke[0][1][0][1][1], "late");
  reader.disconnect();
}

async function scanStream(redis) {
  const keys = [];
  for (let i = 0; i < 120; i++) keys.push(`scan:${i}`, String(i));
  await redis.mset(...keys);
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const stream = redis.scanStream({ match: "scan:*", count: 20 });
    stream.on("data", (batch) => batch.forEach((k) => seen.add(k)));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  assert.equal(seen.size, 120);
}

async function tracking(redis) {
  // RESP2 client-side caching: invalidations go to a subscriber of __redis__:invalidate.
  const sub = new Redis(options);
  const id = await sub.client("ID");
  const invalidated = new Promise((resolve) => {
    sub.on("message", (channel, message) => resolve([channel, message]));
  });
  await sub.subscribe("__redis__:invalidate");
  const tracker = new Redis(options);
  assert.equal(await tracker.client("TRACKING", "ON", "REDIRECT", id), "OK");
  await tracker.get("cached");
  await redis.set("cached", "new");
  const [channel, message] = await invalidated;
  assert.equal(channel, "__redis__:invalidate");
  assert.equal(String(message), "cached");
  tracker.disconnect();
  sub.disconnect();
}

const examples = { basics, pipelineAndMulti, luaCommands, pubsub, streams, scanStream, tracking };
const redis = new Redis(options);
let failed = false;
for (const [name, run] of Object.entries(examples)) {
  await redis.flushall();
  try {
    await run(redis);
    console.log(`ok   ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.stack || e}`);
    failed = true;
    break;
  }
}
redis.disconnect();
process.exit(failed ? 1 : 0);
