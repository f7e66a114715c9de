#include "server/clients.h"

#include <fmt/format.h>

#include <algorithm>

#include "net/worker.h"

namespace cachet::server {

std::string ClientInfo::name() const {
  std::lock_guard lock(mutex_);
  return name_;
}

std::string ClientInfo::user() const {
  std::lock_guard lock(mutex_);
  return user_;
}

void ClientInfo::set_user(std::string user) {
  std::lock_guard lock(mutex_);
  user_ = std::move(user);
}

void ClientInfo::set_name(std::string name) {
  std::lock_guard lock(mutex_);
  name_ = std::move(name);
}

ClientMemory ClientInfo::memory() const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  return {.query = query_.load(kRelaxed),
          .query_capacity = query_capacity_.load(kRelaxed),
          .argv = argv_.load(kRelaxed),
          .output = output_.load(kRelaxed),
          .output_capacity = output_capacity_.load(kRelaxed),
          .output_peak = output_peak_.load(kRelaxed)};
}

void ClientInfo::record(const ClientMemory& m) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  query_.store(m.query, kRelaxed);
  query_capacity_.store(m.query_capacity, kRelaxed);
  argv_.store(m.argv, kRelaxed);
  output_.store(m.output, kRelaxed);
  output_capacity_.store(m.output_capacity, kRelaxed);
  output_peak_.store(m.output_peak, kRelaxed);
}

ClientMemory connection_memory(net::Connection& conn, size_t argv) {
  return {.query = conn.input_size(),
          .query_capacity = conn.input_capacity(),
          .argv = argv,
          .output = conn.pending_output(),
          .output_capacity = conn.output().capacity(),
          .output_peak = std::max(conn.output_peak(), conn.pending_output())};
}

void ClientRegistry::add(std::shared_ptr<ClientInfo> client) {
  std::lock_guard lock(mutex_);
  clients_.emplace(client->id, std::move(client));
}

void ClientRegistry::remove(uint64_t id) {
  std::lock_guard lock(mutex_);
  clients_.erase(id);
}

bool ClientInfo::request_close() {
  if (killed.exchange(true)) return false;
  if (kill) kill();
  return true;
}

size_t ClientRegistry::size() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

std::vector<std::shared_ptr<ClientInfo>> ClientRegistry::snapshot() const {
  std::vector<std::shared_ptr<ClientInfo>> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, client] : clients_) {
      if (!client->killed.load(std::memory_order_relaxed)) out.push_back(client);
    }
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a->id < b->id; });
  return out;
}

std::string describe_client(const ClientInfo& c, int64_t now_ms) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  size_t sub = c.subscriptions.load(kRelaxed), psub = c.pattern_subscriptions.load(kRelaxed),
         ssub = c.shard_subscriptions.load(kRelaxed);
  uint32_t bits = c.flags.load(kRelaxed);
  std::string flags;  // in Redis's order
  if (bits & kClientMonitor) flags += 'O';
  if (sub + psub + ssub != 0) flags += 'P';
  if (bits & kClientMulti) flags += 'x';
  if (c.blocked.load(kRelaxed)) flags += 'b';
  if (bits & kClientTracking) flags += 't';
  if ((bits & kClientTracking) && c.tracking_redirect_broken.load(kRelaxed)) flags += 'R';
  if (bits & kClientBcast) flags += 'B';
  if (bits & kClientNoEvict) flags += 'e';
  if (flags.empty()) flags = "N";
  std::string cmd = c.last_command.load(kRelaxed);
  if (const char* sub_name = c.last_subcommand.load(kRelaxed)) (cmd += '|') += sub_name;
  ClientMemory m = c.memory();
  size_t multi_mem = c.multi_bytes.load(kRelaxed);
  // One output buffer per client (no reply list): obl and omem both count its unwritten bytes.
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} "
      "multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll=0 omem={} "
      "tot-mem={} events={} cmd={} user={} redir={} resp={}",
      c.id, c.addr, c.laddr, c.fd, c.name(), (now_ms - c.created_ms) / 1000,
      (now_ms - c.last_interaction_ms.load(kRelaxed)) / 1000, flags, c.db.load(kRelaxed), sub, psub,
      ssub, c.multi.load(kRelaxed), m.query, m.query_capacity - std::min(m.query, m.query_capacity),
      m.argv, multi_mem, m.output_capacity, m.output_peak, m.output, m.output,
      c.fixed_bytes + m.query_capacity + m.argv + multi_mem + m.output_capacity,
      m.output != 0 ? "rw" : "r", cmd, c.user(), c.redirect.load(kRelaxed),
      c.protocol.load(kRelaxed));
}

}  // namespace cachet::server
