// The registry of connected clients, for CLIENT LIST/INFO/KILL and INFO clients.
//
// Thread-safety: the registry is guarded by its mutex. A ClientInfo's identity fields are set
// before it is registered and never change; the mutable fields are atomics or guarded by `mutex`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace cachet::net {
class Connection;
class Worker;
}  // namespace cachet::net

namespace cachet::server {

// CLIENT LIST flags a client can have (besides P for subscriptions and b for blocked).
enum ClientFlag : uint32_t {
  kClientMonitor = 1 << 0,   // O
  kClientMulti = 1 << 1,     // x
  kClientTracking = 1 << 2,  // t
  kClientBcast = 1 << 3,     // B
  kClientNoEvict = 1 << 4,   // e
};

// The memory of a client's connection and command, as CLIENT LIST shows it.
struct ClientMemory {
  size_t query = 0;            // qbuf: input received, not yet consumed
  size_t query_capacity = 0;   // the input buffer's allocation (qbuf-free: its spare part)
  size_t argv = 0;             // argv-mem: the arguments of the command it runs or is blocked in
  size_t output = 0;           // obl and omem: replies not yet written to the socket
  size_t output_capacity = 0;  // rbs: the output buffer's allocation
  size_t output_peak = 0;      // rbp: the most output the buffer has held at once
};

struct ClientInfo {
  uint64_t id = 0;
  std::string addr, laddr;
  int fd = -1;
  int64_t created_ms = 0;
  net::Worker* worker = nullptr;  // the worker owning the connection (null in tests)
  // Asks the client's own worker to close it. Safe from any thread. Call it through
  // request_close().
  std::function<void()> kill;

  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<int> db{0};
  std::atomic<int> protocol{2};
  std::atomic<const char*> last_command{"NULL"};      // points into the static command table
  std::atomic<const char*> last_subcommand{nullptr};  // "list" of CLIENT LIST, else null
  std::atomic<bool> blocked{false};                   // in a blocking command (flags=b)
  // Pub/Sub subscriptions (sub, psub, ssub; flags=P while any).
  std::atomic<size_t> subscriptions{0}, pattern_subscriptions{0}, shard_subscriptions{0};
  std::atomic<int64_t> multi{-1};     // commands queued in MULTI, -1 outside it
  std::atomic<int64_t> redirect{-1};  // CLIENT TRACKING redirection (0: none), -1: not tracking
  // What the client's structures take besides its buffers (tot-mem's fixed part).
  size_t fixed_bytes = sizeof(ClientInfo);
  std::atomic<size_t> multi_bytes{0};  // multi-mem: the commands queued in MULTI
  // flags letters beyond P, b and R, as ClientFlag bits.
  std::atomic<uint32_t> flags{0};
  // Its CLIENT TRACKING REDIRECT client has disconnected (flags=R, TRACKINGINFO broken_redirect);
  // set by whichever thread finds out, cleared when tracking is turned on or off.
  std::atomic<bool> tracking_redirect_broken{false};
  std::atomic<bool> closed{false};  // the connection has closed (a REDIRECT target is gone)
  // CLIENT KILL or ACL asked it to close: from then on it is gone for CLIENT LIST and KILL, as
  // Redis frees such a client at once, while its worker closes the connection.
  std::atomic<bool> killed{false};

  // Marks it killed and asks its worker to close it; false when it was killed already.
  bool request_close();

  // The memory figures as the owner thread last recorded them.
  ClientMemory memory() const;
  void record(const ClientMemory& memory);  // owner thread only

  std::string name() const;
  void set_name(std::string name);
  std::string user() const;  // the ACL user it is authenticated as
  void set_user(std::string user);

 private:
  mutable std::mutex mutex_;
  std::atomic<size_t> query_{0}, query_capacity_{0}, argv_{0};
  std::atomic<size_t> output_{0}, output_capacity_{0}, output_peak_{0};
  std::string name_;              // guarded by mutex_
  std::string user_ = "default";  // guarded by mutex_
};

class ClientRegistry {
 public:
  void add(std::shared_ptr<ClientInfo> client);
  void remove(uint64_t id);
  size_t size() const;
  // A snapshot of every client not killed, ordered by id.
  std::vector<std::shared_ptr<ClientInfo>> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, std::shared_ptr<ClientInfo>> clients_;  // guarded by mutex_
};

// Bytes of a command's arguments (argv-mem, multi-mem).
template <typename Args>
size_t argv_bytes(const Args& args) {
  size_t n = 0;
  for (const auto& arg : args) n += arg.size();
  return n;
}

// The memory of `conn` now, for a client running (or blocked in) a command with `argv` bytes of
// arguments. The connection's thread only.
ClientMemory connection_memory(net::Connection& conn, size_t argv);

// One CLIENT LIST line (without the newline) in Redis's format.
std::string describe_client(const ClientInfo& client, int64_t now_ms);

}  // namespace cachet::server
