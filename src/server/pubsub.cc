#include "server/pubsub.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "net/worker.h"
#include "server/resp_handler.h"
#include "store/glob.h"

namespace cachet::server {

std::vector<std::string>& Subscriptions::of(Space space) {
  switch (space) {
    case Space::kChannel:
      return channels;
    case Space::kPattern:
      return patterns;
    case Space::kShard:
      break;
  }
  return shard_channels;
}

std::string encode_message(std::string_view kind, std::span<const std::string_view> parts) {
  std::string out = ">" + std::to_string(parts.size() + 1) + "\r\n";
  auto bulk = [&](std::string_view s) {
    out += '$';
    out += std::to_string(s.size());
    out += "\r\n";
    out += s;
    out += "\r\n";
  };
  bulk(kind);
  for (std::string_view p : parts) bulk(p);
  return out;
}

// The deliveries of one publish: connection-less subscribers are served at once, the others are
// gathered per worker and posted once per worker when the publish ends.
class PubSub::Fanout {
 public:
  Fanout(std::shared_ptr<const Message> message, const Local* local, size_t expected)
      : message_(std::move(message)), local_(local), expected_(expected) {}

  void add(const Subscriber& s) {
    ++count_;
    if (local_ != nullptr && s.id == local_->id) {
      append_push(*local_->out, message_->push, local_->protocol);
    } else if (s.worker == nullptr) {
      deliver_push(s, message_);  // a test's client: at once
    } else {
      auto it = std::find_if(batches_.begin(), batches_.end(),
                             [&](const Batch& b) { return b.worker == s.worker; });
      if (it == batches_.end()) {
        it = batches_.insert(batches_.end(), Batch{s.worker, {}});
        it->ids.reserve(expected_);
      }
      it->ids.push_back(s.id);
    }
  }

  // Hands each worker its batch: at once for this thread's own worker (its clients' writes wait
  // for the end of the current events anyway), else through its task list (a leaf lock: registry
  // locks may be held).
  size_t finish() {
    net::Worker* here = net::Worker::current();
    for (Batch& b : batches_) {
      if (b.worker == here) {
        deliver_pushes(*here, b.ids, message_);
        continue;
      }
      b.worker->post([worker = b.worker, ids = std::move(b.ids), message = message_] {
        deliver_pushes(*worker, ids, message);
      });
    }
    return count_;
  }

 private:
  struct Batch {
    net::Worker* worker;
    std::vector<uint64_t> ids;
  };
  std::shared_ptr<const Message> message_;
  const Local* local_;
  size_t expected_;  // subscribers of the channel: the most one worker can get
  std::vector<Batch> batches_;
  size_t count_ = 0;
};

void deliver_push(const Subscriber& s, std::shared_ptr<const Message> message) {
  if (s.worker == nullptr) {  // a test's client
    int protocol = s.protocol.load(std::memory_order_relaxed);
    if (message->resp3_only && protocol < 3) return;
    std::string bytes;
    append_push(bytes, message->push, protocol);
    return s.sink(bytes);
  }
  uint64_t id = s.id;
  if (s.worker == net::Worker::current()) {
    return deliver_pushes(*s.worker, std::span(&id, 1), std::move(message));
  }
  s.worker->post([worker = s.worker, id, message = std::move(message)] {
    deliver_pushes(*worker, std::span(&id, 1), message);
  });
}

void Monitors::add(std::shared_ptr<Subscriber> client) {
  std::lock_guard lock(mutex_);
  if (std::find(clients_.begin(), clients_.end(), client) != clients_.end()) return;
  clients_.push_back(std::move(client));
  count_.store(clients_.size(), std::memory_order_relaxed);
}

void Monitors::remove(uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(clients_, [&](const auto& c) { return c->id == id; });
  count_.store(clients_.size(), std::memory_order_relaxed);
}

namespace {

// Redis's sdscatrepr: printable bytes as they are, \\ \" \n \r \t \a \b escaped, others \xHH.
void append_repr(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
      case '"':
        out += '\\';
        out += static_cast<char>(c);
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
    }
  }
  out += '"';
}

// Whether argument `i` of a command is a credential MONITOR must not show.
bool redacted(std::span<const std::string_view> args, size_t i) {
  auto is = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == y;
           });
  };
  if (is(args[0], "auth")) return i > 0;
  if (!is(args[0], "hello")) return false;
  for (size_t j = 2; j < i; ++j) {
    if (is(args[j], "auth") && i <= j + 2) return true;
  }
  return false;
}

}  // namespace

void Monitors::feed(int db, std::string_view addr, std::span<const std::string_view> args) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  char head[64];
  int n = snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(us / 1000000),
                   static_cast<long long>(us % 1000000), db);
  auto message = std::make_shared<Message>();
  std::string& line = message->push;
  line.assign(head, static_cast<size_t>(n));
  line += addr;
  line += ']';
  for (size_t i = 0; i < args.size(); ++i) {
    line += ' ';
    append_repr(line, redacted(args, i) ? "(redacted)" : args[i]);
  }
  line += "\r\n";
  std::lock_guard lock(mutex_);
  for (const auto& c : clients_) deliver_push(*c, message);
}

PubSub::PubSub() = default;

PubSub::Table& PubSub::table(Space space) { return tables_[static_cast<size_t>(space)]; }

const PubSub::Table& PubSub::table(Space space) const {
  return tables_[static_cast<size_t>(space)];
}

size_t PubSub::shard_index(std::string_view name) {
  return std::hash<std::string_view>()(name) % kShards;
}

bool PubSub::subscribe(Subscriptions& subs, Space space, std::string_view channel) {
  std::vector<std::string>& mine = subs.of(space);
  if (std::find(mine.begin(), mine.end(), channel) != mine.end()) return false;
  mine.emplace_back(channel);
  Table& t = table(space);
  Shard& s = t.shards[shard_index(channel)];
  {
    std::unique_lock lock(s.mutex);
    auto [it, inserted] = s.map.try_emplace(std::string(channel));
    it->second.push_back(subs.subscriber);
    if (inserted) t.names.fetch_add(1, std::memory_order_relaxed);
  }
  subscriptions_.fetch_add(1, std::memory_order_release);
  if (space == Space::kPattern) pattern_subscriptions_.fetch_add(1, std::memory_order_release);
  return true;
}

bool PubSub::unsubscribe(Subscriptions& subs, Space space, std::string_view channel) {
  std::vector<std::string>& mine = subs.of(space);
  auto own = std::find(mine.begin(), mine.end(), channel);
  if (own == mine.end()) return false;
  mine.erase(own);
  Table& t = table(space);
  Shard& s = t.shards[shard_index(channel)];
  {
    std::unique_lock lock(s.mutex);
    auto it = s.map.find(channel);
    Members& members = it->second;
    auto m = std::find(members.begin(), members.end(), subs.subscriber);
    *m = std::move(members.back());
    members.pop_back();
    if (members.empty()) {
      s.map.erase(it);
      t.names.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  subscriptions_.fetch_sub(1, std::memory_order_release);
  if (space == Space::kPattern) pattern_subscriptions_.fetch_sub(1, std::memory_order_release);
  return true;
}

size_t PubSub::publish(Space space, std::string_view channel, std::string_view message,
                       const Local* local) {
  if (subscriptions_.load(std::memory_order_acquire) == 0) return 0;
  std::string_view kind = space == Space::kShard ? "smessage" : "message";
  std::string_view parts[] = {channel, message};
  size_t delivered = 0;
  {
    Shard& s = table(space).shards[shard_index(channel)];
    std::shared_lock lock(s.mutex);
    if (auto it = s.map.find(channel); it != s.map.end()) {
      Fanout fanout(std::make_shared<Message>(Message{encode_message(kind, parts)}), local,
                    it->second.size());
      for (const auto& sub : it->second) fanout.add(*sub);
      delivered = fanout.finish();
    }
  }
  if (space == Space::kShard || pattern_subscriptions_.load(std::memory_order_acquire) == 0) {
    return delivered;
  }
  for (Shard& s : table(Space::kPattern).shards) {
    std::shared_lock lock(s.mutex);
    for (const auto& [pattern, members] : s.map) {
      if (!store::glob_match(pattern, channel)) continue;
      std::string_view pparts[] = {pattern, channel, message};
      Fanout matched(std::make_shared<Message>(Message{encode_message("pmessage", pparts)}), local,
                     members.size());
      for (const auto& sub : members) matched.add(*sub);
      delivered += matched.finish();
    }
  }
  return delivered;
}

std::vector<std::string> PubSub::channels(Space space, std::string_view pattern) const {
  std::vector<std::string> out;
  for (const Shard& s : table(space).shards) {
    std::shared_lock lock(s.mutex);
    for (const auto& [name, members] : s.map) {
      if (pattern.empty() || store::glob_match(pattern, name)) out.push_back(name);
    }
  }
  return out;
}

size_t PubSub::subscribers(Space space, std::string_view channel) const {
  const Shard& s = table(space).shards[shard_index(channel)];
  std::shared_lock lock(s.mutex);
  auto it = s.map.find(channel);
  return it == s.map.end() ? 0 : it->second.size();
}

size_t PubSub::pattern_count() const { return channel_count(Space::kPattern); }

size_t PubSub::channel_count(Space space) const {
  return table(space).names.load(std::memory_order_relaxed);
}

}  // namespace cachet::server
