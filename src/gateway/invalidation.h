// Tags (surrogate keys) and purges: PUT /v1/kv/{key}?tags=a,b and POST /v1/invalidate.
//
// The tag index lives in the cache itself, so the embedded and the remote API share it: tag `t`
// is the hash `__tag:<t>` (kTagPrefix, reserved: the API refuses to write or delete such keys
// directly), whose fields are the tagged keys and whose values are the SHA-1 of the value each
// was stored with. A tagged PUT is one backend batch: the SET, then per tag one EVAL of
// kTagScript on the tag's node (HSET the field; keep the hash's TTL an upper bound of its keys'
// TTLs: none while any key may live forever).
//
// A purge never deletes a key rewritten since it was tagged: each tagged key is deleted by
// kPurgeKeyScript, atomically on its node, only while its value still has the recorded SHA-1
// (a PUT with other tags or none, or a RESP SET, of another value keeps it). The fields a purge
// saw are then dropped (kUntagScript, only those still holding the version it saw), which also
// prunes members that expired, were evicted or deleted: the index forgets a key at the latest
// when its tag is purged or the hash's TTL runs out.
//
// A purge runs incrementally: HSCAN/SCAN COUNT kPurgeBatch per backend round trip, the deletes
// of one batch pipelined with the next scan, and between two round trips the worker serves its
// other connections (the next step is posted, never run in a loop), so a 100k-key purge delays
// nobody by more than one batch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/backend.h"

namespace cachet::net {
class Worker;
}

namespace cachet::gateway {

inline constexpr std::string_view kTagPrefix = "__tag:";
inline constexpr size_t kPurgeBatch = 500;
inline constexpr size_t kMaxTags = 64;  // per PUT

// KEYS[1] the tag's hash, ARGV: key, value SHA-1, TTL in ms (0: none).
extern const std::string_view kTagScript;
// KEYS[1] the key, ARGV[1] the SHA-1 it was tagged with: DEL if the value still matches; 1 or 0.
extern const std::string_view kPurgeKeyScript;
// KEYS[1] the tag's hash, ARGV: key, SHA-1, key, SHA-1...: HDEL the fields still holding them.
extern const std::string_view kUntagScript;

std::string tag_key(std::string_view tag);
// Whether `key` is in the API's reserved namespace (the tag index).
bool reserved_key(std::string_view key);
// The ?tags= list "a,b": non-empty names, at most kMaxTags, duplicates dropped; false with
// `error` set otherwise.
bool parse_tags(std::string_view text, std::vector<std::string>& tags, std::string& error);
// `prefix` as a glob matching itself literally followed by anything (SCAN MATCH).
std::string prefix_glob(std::string_view prefix);

// What POST /v1/invalidate deletes: these keys, the keys under these tags, the keys starting
// with `prefix` (when not empty).
struct PurgeSpec {
  std::vector<std::string> tags, keys;
  std::string prefix;
  std::string user = "default";  // the ACL user the request authenticated as

  bool empty() const { return tags.empty() && keys.empty() && prefix.empty(); }
};

// Runs the purge on `worker`'s thread, incrementally, and passes `done` (on that thread, always
// after run_purge returned) one integer reply, the number of keys deleted, or the first failure
// (an outcome that is not ok, or an error reply). Reserved keys are never deleted.
void run_purge(Backend& backend, net::Worker& worker, PurgeSpec spec, Done done);

}  // namespace cachet::gateway
