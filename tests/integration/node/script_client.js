// Runs ioredis defineCommand'd Lua scripts against 127.0.0.1:<port> (argv[2]) and prints one JSON
// line per result for test_script_clients.py: a capped list push called one by one, in a
// pipeline, after SCRIPT FLUSH (ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT), a
// script error, and a command whose key count is given at the call (numberOfKeys omitted).
"use strict";
const crypto = require("crypto");
const Redis = require("ioredis");

const CAPPED_PUSH = `
local n = redis.call('rpush', KEYS[1], ARGV[1])
local cap = tonumber(ARGV[2])
if not cap or cap < 1 then return redis.error_reply('ERR cap must be a positive integer') end
redis.call('ltrim', KEYS[1], -cap, -1)
return {n, redis.call('lrange', KEYS[1], 0, -1)}`;
const SUM_KEYS = "local s = 0 for _, k in ipairs(KEYS) do s = s + (tonumber(redis.call('get', k)) or 0) end return s";

async function main() {
  const redis = new Redis({ host: "127.0.0.1", port: Number(process.argv[2]), maxRetriesPerRequest: 1 });
  redis.defineCommand("cappedPush", { numberOfKeys: 1, lua: CAPPED_PUSH });
  redis.defineCommand("sumKeys", { lua: SUM_KEYS });
  const print = (label, value) => console.log(JSON.stringify([label, value]));
  for (const v of ["a", "b", "c", "d"]) print("push", await redis.cappedPush("recent", v, 3));
  const piped = await redis.pipeline().cappedPush("recent", "e", 3).cappedPush("recent", "f", 2).exec();
  print("pipeline", piped.map(([err, result]) => (err ? err.message : result)));
  const sha = crypto.createHash("sha1").update(CAPPED_PUSH).digest("hex");
  print("exists", await redis.script("EXISTS", sha));
  await redis.script("FLUSH");
  print("after flush", await redis.cappedPush("recent", "g", 2));
  print("exists again", await redis.script("EXISTS", sha));
  try {
    await redis.cappedPush("recent", "h", "x");
  } catch (e) {
    print("error", e.message);
  }
  await redis.mset("n1", 5, "n2", 7);
  print("sum", await redis.sumKeys(3, "n1", "n2", "missing"));
  await redis.quit();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
