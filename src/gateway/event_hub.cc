#include "gateway/event_hub.h"

#include <algorithm>

#include "gateway/invalidation.h"
#include "net/worker.h"

namespace cachet::gateway {
namespace {

std::string boot_name() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

}  // namespace

EventHub::EventHub(std::function<void()> start, size_t replay, std::chrono::milliseconds heartbeat)
    : start_(std::move(start)), boot_(boot_name()), heartbeat_(heartbeat), ring_(replay) {}

void EventHub::publish(const resp::Reply& pmessage) {
  if (pmessage.elements.size() != 4 || pmessage.elements[0].text != "pmessage") return;
  std::string_view channel = pmessage.elements[2].text, key = pmessage.elements[3].text;
  std::string_view prefix = kKeyeventPattern.substr(0, kKeyeventPattern.size() - 1);
  if (!channel.starts_with(prefix)) return;
  std::optional<EventType> type = classify_keyevent(channel.substr(prefix.size()));
  if (!type || key.starts_with(kTagPrefix)) return;
  std::lock_guard lock(mutex_);
  ring_.append(*type, key);
  schedule_locked();
}

void EventHub::lose(std::string_view reason) {
  std::lock_guard lock(mutex_);
  gap_ = ring_.forget();
  gap_reason_ = reason;
  schedule_locked();
}

void EventHub::schedule_locked() {
  for (const auto& local : locals_) {
    if (local->streams_count.load(std::memory_order_relaxed) == 0) continue;
    if (local->scheduled.exchange(true)) continue;
    local->worker->post([this, l = local.get()] { deliver(*l); });
  }
}

EventHub::Local& EventHub::local_of(net::Worker& worker) {
  Local* created;
  {
    std::lock_guard lock(mutex_);
    for (const auto& local : locals_) {
      if (local->worker == &worker) return *local;
    }
    created = locals_.emplace_back(std::make_unique<Local>()).get();
    created->worker = &worker;
  }
  Local& local = *created;
  worker.add_timer(heartbeat_, [this, &local] { heartbeat(local); });
  return local;
}

void EventHub::open(net::Connection& conn, std::string_view prefix,
                    std::string_view last_event_id) {
  if (start_) start_();
  Local& local = local_of(conn.worker());
  std::vector<Event> replay;
  bool reset = false;
  uint64_t now;
  {
    std::lock_guard lock(mutex_);
    now = ring_.last();
    if (local.streams.empty()) local.cursor = now;  // nothing to catch up on
    if (!last_event_id.empty()) {
      std::optional<uint64_t> seq = parse_event_id(last_event_id, boot_);
      reset = !seq || !ring_.since(*seq, replay);
    }
    local.streams.push_back({conn.id(), std::string(prefix), now});
    local.streams_count.fetch_add(1, std::memory_order_relaxed);
  }
  conn.set_output_limit(kStreamOutputLimit);
  std::string& out = conn.output();
  out += "retry: 1000\n\n";
  if (reset) {
    write_reset(out, boot_, now, "the events after Last-Event-ID are no longer known");
  }
  for (const Event& e : replay) {
    if (e.key.starts_with(prefix)) write_event(out, boot_, e);
  }
}

void EventHub::close(net::Connection& conn) {
  Local& local = local_of(conn.worker());
  auto it = std::find_if(local.streams.begin(), local.streams.end(),
                         [&](const Stream& s) { return s.conn == conn.id(); });
  if (it == local.streams.end()) return;
  local.streams.erase(it);
  local.streams_count.fetch_sub(1, std::memory_order_relaxed);
}

void EventHub::deliver(Local& local) {
  local.scheduled.store(false);
  std::vector<Event> events;
  bool lost;
  uint64_t now;
  std::string reason = "this stream fell behind the server's event buffer";
  {
    std::lock_guard lock(mutex_);
    lost = !ring_.since(local.cursor, events);
    if (lost && gap_ > local.cursor) reason = gap_reason_;
    now = local.cursor = ring_.last();
  }
  std::vector<uint64_t> ids;
  for (Stream& s : local.streams) {
    net::Connection* conn = local.worker->find(s.conn);
    if (conn == nullptr) continue;
    std::string& out = conn->output();
    if (lost) {
      write_reset(out, boot_, now, reason);
    }
    for (const Event& e : events) {
      if (e.seq > s.sent && e.key.starts_with(s.prefix)) write_event(out, boot_, e);
    }
    s.sent = now;
    ids.push_back(s.conn);
  }
  send_all(*local.worker, ids);
}

void EventHub::heartbeat(Local& local) {
  std::vector<uint64_t> ids;
  for (const Stream& s : local.streams) {
    if (net::Connection* conn = local.worker->find(s.conn)) {
      write_comment(conn->output(), "heartbeat");
      ids.push_back(s.conn);
    }
  }
  send_all(*local.worker, ids);
}

void EventHub::send_all(net::Worker& worker, const std::vector<uint64_t>& ids) {
  for (uint64_t id : ids) {
    if (net::Connection* conn = worker.find(id)) worker.send(*conn);
  }
}

}  // namespace cachet::gateway
