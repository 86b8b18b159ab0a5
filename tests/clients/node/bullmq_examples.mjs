// BullMQ's documented queue patterns, run against one server (REDIS_PORT on 127.0.0.1):
// BullMQ keeps every job in hashes, lists, sorted sets and a stream of events, and changes them
// only through its Lua scripts, so this exercises scripting, blocking commands and streams the
// way a job queue in production does. Jobs added in bulk and processed by a worker with
// concurrency; a job that fails twice and succeeds on its third attempt (retries with backoff);
// a delayed job; priorities; QueueEvents (XREAD BLOCK on the events stream) seeing every
// completion; a parent job that waits for its children (FlowProducer). Every wait is bounded.
// QueueEvents read the events stream from its start (lastEventId 0-0), so no event is missed
// whatever the order in which the reader and the worker start.
// Prints one line per example; exits 1 on the first failure.
//
// Run by tests/integration/test_node_clients.py against redoubt-server and redis-server.
import assert from "node:assert/strict";
import { FlowProducer, Queue, QueueEvents, Worker } from "bullmq";

const connection = { host: "127.0.0.1", port: Number(process.env.REDIS_PORT) };

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function bulkWithConcurrency(name) {
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection, lastEventId: "0-0" });
  await events.waitUntilReady();
  const total = 200;
  const completed = new Set();
  const allSeen = new Promise((resolve) => {
    events.on("completed", ({ jobId, returnvalue }) => {
      completed.add(jobId);
      if (completed.size === total) resolve();
    });
  });
  const worker = new Worker(name, async (job) => job.data.n * 2, { connection, concurrency: 8 });
  await queue.addBulk(Array.from({ length: total }, (_, n) => ({ name: "double", data: { n } })));
  await withTimeout(allSeen, 60000, "200 jobs completed");
  const counts = await queue.getJobCounts("completed", "failed", "waiting", "active");
  assert.deepEqual(counts, { completed: total, failed: 0, waiting: 0, active: 0 });
  const some = await queue.getJobs(["completed"], 0, 9);
  for (const job of some) assert.equal(job.returnvalue, job.data.n * 2);
  await worker.close();
  await events.close();
  await queue.close();
}

async function retriesWithBackoff(name) {
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection, lastEventId: "0-0" });
  await events.waitUntilReady();
  let calls = 0;
  const worker = new Worker(name, async (job) => {
    calls++;
    if (job.attemptsMade < 2) throw new Error(`attempt ${job.attemptsMade + 1} fails`);
    return "third time lucky";
  }, { connection });
  const job = await queue.add("flaky", {}, { attempts: 3, backoff: { type: "fixed", delay: 20 } });
  const result = await withTimeout(job.waitUntilFinished(events), 30000, "retried job");
  assert.equal(result, "third time lucky");
  assert.equal(calls, 3);
  const done = await queue.getJob(job.id);
  assert.equal(done.attemptsMade, 3);
  await worker.close();
  await events.close();
  await queue.close();
}

async function delayedAndPriorities(name) {
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection, lastEventId: "0-0" });
  await events.waitUntilReady();
  const delayed = await queue.add("later", { v: 1 }, { delay: 300 });
  assert.equal(await delayed.getState(), "delayed");
  // Priorities, queued before a worker exists: the lowest number runs first.
  for (const [p, v] of [[5, "low"], [1, "high"], [3, "mid"]]) {
    await queue.add("prio", { v }, { priority: p });
  }
  const order = [];
  const worker = new Worker(name, async (job) => {
    if (job.name === "prio") order.push(job.data.v);
    return job.data.v;
  }, { connection, concurrency: 1 });
  assert.equal(await withTimeout(delayed.waitUntilFinished(events), 30000, "delayed job"), 1);
  assert.deepEqual(order, ["high", "mid", "low"]);
  await worker.close();
  await events.close();
  await queue.close();
}

async function flows(name) {
  const flow = new FlowProducer({ connection });
  const events = new QueueEvents(name, { connection, lastEventId: "0-0" });
  await events.waitUntilReady();
  const worker = new Worker(name, async (job) => {
    if (job.name === "parent") {
      const values = Object.values(await job.getChildrenValues());
      return values.reduce((a, b) => a + b, 0);
    }
    return job.data.n;
  }, { connection, concurrency: 4 });
  const tree = await flow.add({
    name: "parent",
    queueName: name,
    children: [1, 2, 3, 4].map((n) => ({ name: "child", queueName: name, data: { n } })),
  });
  const sum = await withTimeout(tree.job.waitUntilFinished(events), 30000, "parent job");
  assert.equal(sum, 10);
  await worker.close();
  await events.close();
  await flow.close();
}

const examples = { bulkWithConcurrency, retriesWithBackoff, delayedAndPriorities, flows };
let failed = false;
for (const [name, run] of Object.entries(examples)) {
  try {
    await run(`q-${name}`);
    console.log(`ok   ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.stack || e}`);
    failed = true;
    break;
  }
}
process.exit(failed ? 1 : 0);
