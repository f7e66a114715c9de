#include "server/clients.h"

#include <fmt/format.h>

#include <algorithm>

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

void ClientRegistry::add(std::shared_ptr<ClientInfo> client) {
  std::lock_guard lock(mutex_);
  clients_.emplace(client->id, std::move(client));
}

void ClientRegistry::remove(uint64_t id) {
  std::lock_guard lock(mutex_);
  clients_.erase(id);
}

size_t ClientRegistry::size() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

std::vector<std::shared_ptr<ClientInfo>> ClientRegistry::snapshot() const {
  std::vector<std::shared_ptr<ClientInfo>> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, client] : clients_) out.push_back(client);
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
  if (bits & kClientBcast) flags += 'B';
  if (bits & kClientNoEvict) flags += 'e';
  if (flags.empty()) flags = "N";
  std::string cmd = c.last_command.load(kRelaxed);
  if (const char* sub_name = c.last_subcommand.load(kRelaxed)) (cmd += '|') += sub_name;
  size_t qbuf = c.input_bytes.load(kRelaxed), omem = c.output_bytes.load(kRelaxed);
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} "
      "multi={} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem={} "
      "tot-mem={} events=r cmd={} user={} redir={} resp={}",
      c.id, c.addr, c.laddr, c.fd, c.name(), (now_ms - c.created_ms) / 1000,
      (now_ms - c.last_interaction_ms.load(kRelaxed)) / 1000, flags, c.db.load(kRelaxed), sub, psub,
      ssub, c.multi.load(kRelaxed), qbuf, omem, qbuf + omem, cmd, c.user(),
      c.redirect.load(kRelaxed), c.protocol.load(kRelaxed));
}

}  // namespace cachet::server
