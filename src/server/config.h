// Server configuration: defaults, redis.conf-style files, command-line flags and the option
// table behind CONFIG GET/SET.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls.h"

namespace cachet::server {

// One class of `client-output-buffer-limit`: close a client with more than `hard` bytes of output
// pending, or more than `soft` for `soft_seconds` in a row (0: no such limit).
struct OutputBufferLimit {
  uint64_t hard = 0, soft = 0;
  int64_t soft_seconds = 0;
};

// The client classes of `client-output-buffer-limit`, in Redis's order.
enum class ClientClass : uint8_t { kNormal, kReplica, kPubSub };

struct Config {
  uint16_t port = 6379;
  uint16_t http_port = 0;  // the HTTP/JSON API (cachet-gateway embedded); 0: off
  // TLS listeners (0: off) for RESP and for the HTTP API; with one set, `port 0` (and `http-port
  // 0`) turn plain TCP off, as in Redis.
  uint16_t tls_port = 0;
  uint16_t http_tls_port = 0;
  net::TlsOptions tls;  // the tls-* options; one context serves both TLS ports
  std::vector<std::string> bind = {"127.0.0.1"};
  int threads = 0;  // 0: one per core
  std::string requirepass;
  // ACL users: `user <name> <rules...>` directives (each line's words), or an ACL file.
  std::vector<std::vector<std::string>> users;
  std::string aclfile;
  int64_t acllog_max_len = 128;
  bool acl_pubsub_default = false;  // new users get allchannels (else resetchannels, Redis 7)
  // Without a password, refuse clients that are not on 127.0.0.1 / ::1 (Redis's protected mode).
  bool protected_mode = true;
  uint64_t maxmemory = 0;  // 0: unlimited
  // cachet's default (Redis's is noeviction); matters only once maxmemory is set.
  std::string maxmemory_policy = "allkeys-tinylfu";
  int maxmemory_samples = 5;
  uint64_t maxclients = 10000;
  int databases = 16;
  uint64_t proto_max_bulk_len = 512ull * 1024 * 1024;
  uint64_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  int hz = 10;
  std::string save;  // accepted for redis.conf compatibility; cachet writes no snapshots
  // Encoding thresholds, Redis's names and defaults (the `ziplist` names are aliases). Those
  // without a matching cachet structure are accepted and reported back.
  int64_t hash_max_listpack_entries = 128;
  int64_t hash_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t hll_sparse_max_bytes = 3000;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  // Keyspace notification classes (server/notify.h flags); 0: off, as Redis's default "".
  uint32_t notify_keyspace_events = 0;
  // By ClientClass; Redis's defaults.
  std::array<OutputBufferLimit, 3> client_output_buffer_limit = {{
      {0, 0, 0},
      {256ull * 1024 * 1024, 64ull * 1024 * 1024, 60},
      {32ull * 1024 * 1024, 8ull * 1024 * 1024, 60},
  }};
  int64_t busy_reply_threshold = 5000;      // ms a script runs before others get -BUSY
  int64_t slowlog_log_slower_than = 10000;  // microseconds; -1: off, 0: every command
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;  // milliseconds; 0: off
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles = {50, 99, 99.9};
  int64_t tracking_table_max_keys = 1000000;
  std::string config_file;
};

struct OptionSpec {
  std::string_view name;
  bool mutable_at_runtime;
  std::string (*get)(const Config&);
  // Applies the value; returns an error message, empty on success.
  std::string (*set)(Config&, std::span<const std::string> values);
};

std::span<const OptionSpec> config_options();
// Whether any TLS listener is configured (the tls-* options take effect only then, as in Redis).
inline bool tls_enabled(const Config& c) { return c.tls_port != 0 || c.http_tls_port != 0; }
// The name of the first option whose value differs between `a` and `b` among those whose names
// start with `prefix`; "" when none does.
std::string_view first_changed_option(const Config& a, const Config& b, std::string_view prefix);
const OptionSpec* find_option(std::string_view name);

// Parses "100", "1k" (1000), "1kb" (1024), "1mb", "1gb"... like redis.conf; false when invalid.
bool parse_memory(std::string_view text, uint64_t& out);

// Applies one redis.conf directive; returns an error message, empty on success.
std::string apply_directive(Config& config, std::span<const std::string> words);
// Reads a redis.conf-syntax file. On failure returns false with `error` set.
bool load_config_file(const std::string& path, Config& config, std::string& error);
// `cachet-server [config-file] [--name value ...]`. On failure returns false with `error` set.
bool parse_command_line(std::span<const char* const> args, Config& config, std::string& error);

}  // namespace cachet::server
