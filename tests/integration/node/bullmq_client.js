// Runs BullMQ against 127.0.0.1:<port> (argv[2]) the way applications use it and prints one JSON
// object for test_bullmq.py: a Queue adds a plain job, a delayed job, a job that fails once and is
// retried after a fixed backoff, and prioritized jobs; Workers process them; QueueEvents (an
// XREAD BLOCK reader of the queue's events stream) sees them complete and fail.
//
// The prioritized jobs are all added before their Worker starts, and the Worker runs one job at a
// time, so the processing order is the priority order whatever the timing. Every wait is bounded:
// a watchdog prints what it has and exits 2 if the run takes longer than WATCHDOG_MS.
"use strict";
const { Queue, QueueEvents, Worker } = require("bullmq");

const WATCHDOG_MS = 20000;
const WAIT_MS = 15000;

async function main() {
  const connection = { host: "127.0.0.1", port: Number(process.argv[2]), maxRetriesPerRequest: null };
  const out = { events: {}, processed: [], prioOrder: [] };
  const watchdog = setTimeout(() => {
    console.log(JSON.stringify({ error: "watchdog", partial: out }));
    process.exit(2);
  }, WATCHDOG_MS);

  // --- the main queue: plain, delayed, retried --------------------------------------------------
  const queue = new Queue("main", { connection });
  // lastEventId 0: read the events stream from its start, so no event is missed while the
  // reader's first XREAD is on its way.
  const events = new QueueEvents("main", { connection, lastEventId: "0" });
  await events.waitUntilReady();
  const seen = (name) => (out.events[name] = []);
  for (const name of ["added", "waiting", "delayed", "active", "completed", "failed", "retries-exhausted"]) {
    seen(name);
    events.on(name, (args) => out.events[name].push(args.jobId));
  }

  const plain = await queue.add("plain", { x: 1 });
  const delayed = await queue.add("delayed", { x: 2 }, { delay: 150 });
  const retried = await queue.add("retried", { x: 3 }, { attempts: 3, backoff: { type: "fixed", delay: 50 } });
  out.ids = { plain: plain.id, delayed: delayed.id, retried: retried.id };
  out.delayedState = await delayed.getState();

  const failedOnce = new Set();
  const worker = new Worker("main", async (job) => {
    out.processed.push([job.name, job.attemptsMade]);
    if (job.name === "retried" && !failedOnce.has(job.id)) {
      failedOnce.add(job.id);
      throw new Error("first attempt fails");
    }
    return { doubled: job.data.x * 2, name: job.name };
  }, { connection, concurrency: 1 });

  out.results = {};
  for (const job of [plain, delayed, retried]) {
    out.results[job.name] = await job.waitUntilFinished(events, WAIT_MS);
  }
  const final = await queue.getJob(retried.id);
  out.retried = { attemptsMade: final.attemptsMade, failedReason: final.failedReason,
                  state: await final.getState(), stacktrace: final.stacktrace.length };
  out.counts = await queue.getJobCounts("completed", "failed", "delayed", "wait", "active");
  await worker.close();

  // --- prioritized jobs, added before their worker starts ---------------------------------------
  const prio = new Queue("prio", { connection });
  const prioEvents = new QueueEvents("prio", { connection, lastEventId: "0" });
  await prioEvents.waitUntilReady();
  const prioJobs = [];
  for (const [name, priority] of [["p5", 5], ["p1", 1], ["p3", 3], ["p2", 2], ["p4", 4]]) {
    prioJobs.push(await prio.add(name, { priority }, { priority }));
  }
  out.prioCounts = await prio.getJobCounts("prioritized", "wait");
  const prioWorker = new Worker("prio", async (job) => {
    out.prioOrder.push(job.name);
    return job.data.priority;
  }, { connection, concurrency: 1 });
  out.prioResults = [];
  for (const job of prioJobs) out.prioResults.push(await job.waitUntilFinished(prioEvents, WAIT_MS));
  await prioWorker.close();

  out.eventsStreamLength = await (await queue.client).xlen("bull:main:events");
  await Promise.all([events.close(), prioEvents.close(), queue.close(), prio.close()]);
  clearTimeout(watchdog);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
