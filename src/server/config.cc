#include "server/config.h"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>

#include "resp/parser.h"
#include "server/notify.h"

namespace cachet::server {
namespace {

constexpr std::array<std::string_view, 9> kPolicies = {
    "volatile-lru", "volatile-lfu",   "volatile-random", "volatile-ttl",   "allkeys-lru",
    "allkeys-lfu",  "allkeys-random", "noeviction",      "allkeys-tinylfu"};

// redis.conf directives that make no sense for an in-memory cache; accepted and ignored so an
// existing redis.conf loads.
constexpr std::array<std::string_view, 9> kIgnored = {
    "dir",       "dbfilename", "logfile", "loglevel",        "tcp-keepalive",
    "daemonize", "supervised", "pidfile", "always-show-logo"};

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

template <typename T>
bool parse_int(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string one_value(std::span<const std::string> v) {
  return v.size() == 1 ? "" : "wrong number of arguments";
}

template <typename T>
std::string set_int(std::span<const std::string> v, T& field, T lo, T hi) {
  if (auto err = one_value(v); !err.empty()) return err;
  T n;
  if (!parse_int(v[0], n)) return "argument couldn't be parsed into an integer";
  if (n < lo || n > hi) return fmt::format("argument must be between {} and {} inclusive", lo, hi);
  field = n;
  return "";
}

std::string set_bool(std::span<const std::string> v, bool& field) {
  if (auto err = one_value(v); !err.empty()) return err;
  if (equals_nocase(v[0], "yes")) {
    field = true;
  } else if (equals_nocase(v[0], "no")) {
    field = false;
  } else {
    return "argument must be 'yes' or 'no'";
  }
  return "";
}

std::string set_memory(std::span<const std::string> v, uint64_t& field) {
  if (auto err = one_value(v); !err.empty()) return err;
  if (!parse_memory(v[0], field)) return "argument must be a memory value";
  return "";
}

std::string set_policy(Config& c, std::span<const std::string> v) {
  if (auto err = one_value(v); !err.empty()) return err;
  for (std::string_view p : kPolicies) {
    if (equals_nocase(p, v[0])) {
      c.maxmemory_policy = std::string(p);
      return "";
    }
  }
  return fmt::format("argument(s) must be one of the following: {}", fmt::join(kPolicies, ", "));
}

std::string set_bind(Config& c, std::span<const std::string> v) {
  if (v.empty()) return "wrong number of arguments";
  c.bind.clear();
  // Redis's "-" prefix marks an optional address; cachet binds it like any other.
  for (const std::string& a : v) c.bind.push_back(a.starts_with('-') ? a.substr(1) : a);
  return "";
}

// The words of a list-valued option, whether CONFIG SET gave them as one string or a config file
// line as several.
std::vector<std::string_view> words_of(std::span<const std::string> v) {
  std::vector<std::string_view> words;
  for (const std::string& s : v) {
    size_t i = 0;
    while (i < s.size()) {
      size_t start = s.find_first_not_of(" \t", i);
      if (start == std::string::npos) break;
      size_t end = std::min(s.find_first_of(" \t", start), s.size());
      words.push_back(std::string_view(s).substr(start, end - start));
      i = end;
    }
  }
  return words;
}

constexpr std::array<std::string_view, 3> kClientClasses = {"normal", "slave", "pubsub"};

// "class hard soft seconds" groups, as Redis's client-output-buffer-limit takes them (all or none
// of the groups apply).
std::string set_output_limits(Config& c, std::span<const std::string> v) {
  std::vector<std::string_view> w = words_of(v);
  if (w.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
  auto limits = c.client_output_buffer_limit;
  for (size_t i = 0; i < w.size(); i += 4) {
    size_t cls = 0;
    if (equals_nocase(w[i], "normal")) {
      cls = 0;
    } else if (equals_nocase(w[i], "slave") || equals_nocase(w[i], "replica")) {
      cls = 1;
    } else if (equals_nocase(w[i], "pubsub")) {
      cls = 2;
    } else {
      return "Invalid client class specified in buffer limit configuration.";
    }
    OutputBufferLimit& l = limits[cls];
    if (!parse_memory(w[i + 1], l.hard) || !parse_memory(w[i + 2], l.soft) ||
        !parse_int(w[i + 3], l.soft_seconds) || l.soft_seconds < 0) {
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    }
  }
  c.client_output_buffer_limit = limits;
  return "";
}

std::string get_output_limits(const Config& c) {
  std::string out;
  for (size_t i = 0; i < kClientClasses.size(); ++i) {
    const OutputBufferLimit& l = c.client_output_buffer_limit[i];
    out += fmt::format("{}{} {} {} {}", i ? " " : "", kClientClasses[i], l.hard, l.soft,
                       l.soft_seconds);
  }
  return out;
}

std::string set_percentiles(Config& c, std::span<const std::string> v) {
  std::vector<double> out;
  for (std::string_view w : words_of(v)) {
    double d;
    auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), d);
    if (ec != std::errc() || ptr != w.data() + w.size() || !(d >= 0 && d <= 100)) {
      return "latency-tracking-info-percentiles parameter should be between 0.0 and 100.0";
    }
    out.push_back(d);
  }
  c.latency_tracking_info_percentiles = std::move(out);
  return "";
}

// The member of Config at `Path`: a field, or a field of a field struct (&Config::tls, ...).
template <auto... Path, typename C>
constexpr auto& member(C& c) {
  return (c.*....*Path);
}

// An integer option stored in Config's `Field` (or its `Sub` member), limited to [Lo, Hi] as
// Redis limits it.
template <auto Field, int64_t Lo, int64_t Hi, auto... Sub>
constexpr OptionSpec int_option(std::string_view name) {
  return {name, true, [](const Config& c) { return std::to_string(member<Field, Sub...>(c)); },
          [](Config& c, std::span<const std::string> v) {
            return set_int<int64_t>(v, member<Field, Sub...>(c), Lo, Hi);
          }};
}

// A TCP port (0-65535) stored in Config's `Field`.
template <auto Field>
constexpr OptionSpec port_option(std::string_view name, bool mutable_at_runtime) {
  return {name, mutable_at_runtime, [](const Config& c) { return std::to_string(c.*Field); },
          [](Config& c, std::span<const std::string> v) {
            return set_int<uint16_t>(v, c.*Field, 0, 65535);
          }};
}

template <auto... Path>
constexpr OptionSpec string_option(std::string_view name) {
  return {name, true, [](const Config& c) { return member<Path...>(c); },
          [](Config& c, std::span<const std::string> v) {
            if (auto err = one_value(v); !err.empty()) return err;
            member<Path...>(c) = v[0];
            return std::string();
          }};
}

template <auto... Path>
constexpr OptionSpec bool_option(std::string_view name) {
  return {
      name, true, [](const Config& c) { return std::string(member<Path...>(c) ? "yes" : "no"); },
      [](Config& c, std::span<const std::string> v) { return set_bool(v, member<Path...>(c)); }};
}

constexpr std::array<std::pair<std::string_view, net::TlsClientAuth>, 3> kClientAuth = {{
    {"no", net::TlsClientAuth::kNo},
    {"yes", net::TlsClientAuth::kYes},
    {"optional", net::TlsClientAuth::kOptional},
}};

std::string get_client_auth(const Config& c) {
  for (auto [name, value] : kClientAuth) {
    if (value == c.tls.auth_clients) return std::string(name);
  }
  return "";
}

std::string set_client_auth(Config& c, std::span<const std::string> v) {
  if (auto err = one_value(v); !err.empty()) return err;
  for (auto [name, value] : kClientAuth) {
    if (equals_nocase(name, v[0])) {
      c.tls.auth_clients = value;
      return "";
    }
  }
  return "argument(s) must be one of the following: no, yes, optional";
}

using net::TlsOptions;

constexpr int64_t kLongMax = INT64_MAX;
constexpr int64_t kIntMax = INT32_MAX;

const std::array<OptionSpec, 59> kOptions = {{
    int_option<&Config::hash_max_listpack_entries, 0, kLongMax>("hash-max-listpack-entries"),
    int_option<&Config::hash_max_listpack_entries, 0, kLongMax>("hash-max-ziplist-entries"),
    int_option<&Config::hash_max_listpack_value, 0, kLongMax>("hash-max-listpack-value"),
    int_option<&Config::hash_max_listpack_value, 0, kLongMax>("hash-max-ziplist-value"),
    int_option<&Config::list_max_listpack_size, INT32_MIN, kIntMax>("list-max-listpack-size"),
    int_option<&Config::list_max_listpack_size, INT32_MIN, kIntMax>("list-max-ziplist-size"),
    int_option<&Config::list_compress_depth, 0, kIntMax>("list-compress-depth"),
    int_option<&Config::set_max_intset_entries, 0, kLongMax>("set-max-intset-entries"),
    int_option<&Config::zset_max_listpack_entries, 0, kLongMax>("zset-max-listpack-entries"),
    int_option<&Config::zset_max_listpack_entries, 0, kLongMax>("zset-max-ziplist-entries"),
    int_option<&Config::zset_max_listpack_value, 0, kLongMax>("zset-max-listpack-value"),
    int_option<&Config::zset_max_listpack_value, 0, kLongMax>("zset-max-ziplist-value"),
    int_option<&Config::hll_sparse_max_bytes, 0, kLongMax>("hll-sparse-max-bytes"),
    int_option<&Config::stream_node_max_bytes, 0, kLongMax>("stream-node-max-bytes"),
    int_option<&Config::stream_node_max_entries, 0, kLongMax>("stream-node-max-entries"),
    int_option<&Config::busy_reply_threshold, 0, kLongMax>("busy-reply-threshold"),
    int_option<&Config::busy_reply_threshold, 0, kLongMax>("lua-time-limit"),
    int_option<&Config::slowlog_log_slower_than, -1, kLongMax>("slowlog-log-slower-than"),
    int_option<&Config::slowlog_max_len, 0, kLongMax>("slowlog-max-len"),
    int_option<&Config::latency_monitor_threshold, 0, kLongMax>("latency-monitor-threshold"),
    int_option<&Config::tracking_table_max_keys, 0, kLongMax>("tracking-table-max-keys"),
    {"latency-tracking", true,
     [](const Config& c) { return std::string(c.latency_tracking ? "yes" : "no"); },
     [](Config& c, std::span<const std::string> v) { return set_bool(v, c.latency_tracking); }},
    {"latency-tracking-info-percentiles", true,
     [](const Config& c) {
       return fmt::format("{}", fmt::join(c.latency_tracking_info_percentiles, " "));
     },
     set_percentiles},
    {"client-output-buffer-limit", true, get_output_limits, set_output_limits},
    {"notify-keyspace-events", true,
     [](const Config& c) { return format_keyspace_events(c.notify_keyspace_events); },
     [](Config& c, std::span<const std::string> v) {
       if (auto err = one_value(v); !err.empty()) return err;
       if (!parse_keyspace_events(v[0], c.notify_keyspace_events)) {
         return std::string("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
       }
       return std::string();
     }},

    port_option<&Config::port>("port", true),
    port_option<&Config::http_port>("http-port", false),
    port_option<&Config::tls_port>("tls-port", true),
    port_option<&Config::http_tls_port>("http-tls-port", false),
    string_option<&Config::tls, &TlsOptions::cert_file>("tls-cert-file"),
    string_option<&Config::tls, &TlsOptions::key_file>("tls-key-file"),
    string_option<&Config::tls, &TlsOptions::key_file_pass>("tls-key-file-pass"),
    string_option<&Config::tls, &TlsOptions::ca_cert_file>("tls-ca-cert-file"),
    string_option<&Config::tls, &TlsOptions::ca_cert_dir>("tls-ca-cert-dir"),
    {"tls-auth-clients", true, get_client_auth, set_client_auth},
    string_option<&Config::tls, &TlsOptions::protocols>("tls-protocols"),
    string_option<&Config::tls, &TlsOptions::ciphers>("tls-ciphers"),
    string_option<&Config::tls, &TlsOptions::ciphersuites>("tls-ciphersuites"),
    bool_option<&Config::tls, &TlsOptions::prefer_server_ciphers>("tls-prefer-server-ciphers"),
    bool_option<&Config::tls, &TlsOptions::session_caching>("tls-session-caching"),
    int_option<&Config::tls, 0, kIntMax, &TlsOptions::session_cache_size>("tls-session-cache-size"),
    int_option<&Config::tls, 0, kIntMax, &TlsOptions::session_cache_timeout>(
        "tls-session-cache-timeout"),
    {"bind", false, [](const Config& c) { return fmt::format("{}", fmt::join(c.bind, " ")); },
     set_bind},
    {"threads", false, [](const Config& c) { return std::to_string(c.threads); },
     [](Config& c, std::span<const std::string> v) { return set_int(v, c.threads, 0, 128); }},
    {"requirepass", true, [](const Config& c) { return c.requirepass; },
     [](Config& c, std::span<const std::string> v) {
       if (auto err = one_value(v); !err.empty()) return err;
       c.requirepass = v[0];
       return std::string();
     }},
    {"aclfile", false, [](const Config& c) { return c.aclfile; },
     [](Config& c, std::span<const std::string> v) {
       if (auto err = one_value(v); !err.empty()) return err;
       c.aclfile = v[0];
       return std::string();
     }},
    int_option<&Config::acllog_max_len, 0, kLongMax>("acllog-max-len"),
    {"acl-pubsub-default", true,
     [](const Config& c) {
       return std::string(c.acl_pubsub_default ? "allchannels" : "resetchannels");
     },
     [](Config& c, std::span<const std::string> v) {
       if (auto err = one_value(v); !err.empty()) return err;
       if (!equals_nocase(v[0], "allchannels") && !equals_nocase(v[0], "resetchannels")) {
         return std::string("argument(s) must be one of the following: allchannels, resetchannels");
       }
       c.acl_pubsub_default = equals_nocase(v[0], "allchannels");
       return std::string();
     }},
    {"protected-mode", true,
     [](const Config& c) { return std::string(c.protected_mode ? "yes" : "no"); },
     [](Config& c, std::span<const std::string> v) { return set_bool(v, c.protected_mode); }},
    {"maxmemory", true, [](const Config& c) { return std::to_string(c.maxmemory); },
     [](Config& c, std::span<const std::string> v) { return set_memory(v, c.maxmemory); }},
    {"maxmemory-policy", true, [](const Config& c) { return c.maxmemory_policy; }, set_policy},
    {"maxmemory-samples", true, [](const Config& c) { return std::to_string(c.maxmemory_samples); },
     [](Config& c, std::span<const std::string> v) {
       return set_int(v, c.maxmemory_samples, 1, 64);
     }},
    {"maxclients", true, [](const Config& c) { return std::to_string(c.maxclients); },
     [](Config& c, std::span<const std::string> v) {
       return set_int<uint64_t>(v, c.maxclients, 1, 1'000'000);
     }},
    {"databases", false, [](const Config& c) { return std::to_string(c.databases); },
     [](Config& c, std::span<const std::string> v) { return set_int(v, c.databases, 1, 1024); }},
    {"proto-max-bulk-len", true,
     [](const Config& c) { return std::to_string(c.proto_max_bulk_len); },
     [](Config& c, std::span<const std::string> v) {
       std::string err = set_memory(v, c.proto_max_bulk_len);
       if (err.empty() && c.proto_max_bulk_len < 1024 * 1024) {
         return std::string("argument must be a memory value of at least 1mb");
       }
       return err;
     }},
    {"client-query-buffer-limit", false,
     [](const Config& c) { return std::to_string(c.client_query_buffer_limit); },
     [](Config& c, std::span<const std::string> v) {
       std::string err = set_memory(v, c.client_query_buffer_limit);
       if (err.empty() && c.client_query_buffer_limit < 1024 * 1024) {
         return std::string("argument must be a memory value of at least 1mb");
       }
       return err;
     }},
    {"hz", false, [](const Config& c) { return std::to_string(c.hz); },
     [](Config& c, std::span<const std::string> v) { return set_int(v, c.hz, 1, 500); }},
    {"save", true, [](const Config& c) { return c.save; },
     [](Config& c, std::span<const std::string> v) {
       c.save = fmt::format("{}", fmt::join(v, " "));
       return std::string();
     }},
    {"appendonly", true, [](const Config&) { return std::string("no"); },
     [](Config&, std::span<const std::string> v) {
       if (v.size() == 1 && equals_nocase(v[0], "no")) return std::string();
       return std::string("cachet is an in-memory cache and keeps no append-only file");
     }},
}};

}  // namespace

std::span<const OptionSpec> config_options() { return kOptions; }

std::string_view first_changed_option(const Config& a, const Config& b, std::string_view prefix) {
  for (const OptionSpec& o : kOptions) {
    if (o.name.starts_with(prefix) && o.get(a) != o.get(b)) return o.name;
  }
  return "";
}

const OptionSpec* find_option(std::string_view name) {
  for (const OptionSpec& o : kOptions) {
    if (equals_nocase(o.name, name)) return &o;
  }
  return nullptr;
}

bool parse_memory(std::string_view text, uint64_t& out) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {
      {{"kb", 1024},
       {"mb", 1024 * 1024},
       {"gb", 1024ull * 1024 * 1024},
       {"k", 1000},
       {"m", 1000 * 1000},
       {"g", 1000ull * 1000 * 1000},
       {"b", 1},
       {"", 1}}};
  for (auto [suffix, mul] : kUnits) {
    if (text.size() <= suffix.size() ||
        !equals_nocase(text.substr(text.size() - suffix.size()), suffix)) {
      continue;
    }
    uint64_t n;
    if (!parse_int(text.substr(0, text.size() - suffix.size()), n)) return false;
    if (n > UINT64_MAX / mul) return false;
    out = n * mul;
    return true;
  }
  return false;
}

std::string apply_directive(Config& config, std::span<const std::string> words) {
  std::string_view name = words[0];
  if (std::any_of(kIgnored.begin(), kIgnored.end(),
                  [&](std::string_view n) { return equals_nocase(n, name); })) {
    return "";
  }
  if (equals_nocase(name, "user")) {  // an ACL user, as ACL SETUSER takes it (server/acl.h)
    if (words.size() < 2) return "Bad directive or wrong number of arguments";
    config.users.emplace_back(words.begin(), words.end());
    return "";
  }
  const OptionSpec* option = find_option(name);
  if (option == nullptr) return "Bad directive or wrong number of arguments";
  return option->set(config, words.subspan(1));
}

bool load_config_file(const std::string& path, Config& config, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = fmt::format("Fatal error, can't open config file '{}'", path);
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::vector<std::string> words;
    if (!resp::split_inline_args(line, words)) {
      error = fmt::format("Reading the configuration file, at line {}\n>>> '{}'\nUnbalanced quotes",
                          number, line);
      return false;
    }
    if (words.empty() || words[0].starts_with('#')) continue;
    if (std::string err = apply_directive(config, words); !err.empty()) {
      error = fmt::format("Reading the configuration file, at line {}\n>>> '{}'\n{}", number, line,
                          err);
      return false;
    }
  }
  config.config_file = path;
  return true;
}

bool parse_command_line(std::span<const char* const> args, Config& config, std::string& error) {
  size_t i = 0;
  if (i < args.size() && !std::string_view(args[i]).starts_with("--")) {
    if (!load_config_file(args[i], config, error)) return false;
    ++i;
  }
  while (i < args.size()) {
    std::string_view flag = args[i];
    if (!flag.starts_with("--") || flag.size() == 2) {
      error = fmt::format("Invalid argument '{}': options are --name value", flag);
      return false;
    }
    std::vector<std::string> words{std::string(flag.substr(2))};
    for (++i; i < args.size() && !std::string_view(args[i]).starts_with("--"); ++i) {
      words.emplace_back(args[i]);
    }
    if (std::string err = apply_directive(config, words); !err.empty()) {
      error = fmt::format("Invalid option '--{}': {}", words[0], err);
      return false;
    }
  }
  return true;
}

}  // namespace cachet::server
