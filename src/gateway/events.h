// Key change events for web clients (GET /v1/events, Server-Sent Events): what an event is, the
// bounded replay log behind Last-Event-ID, the text/event-stream encoding, and the EventSource a
// Backend offers for the store's changes (event_hub.h).
//
// Event ids are "<boot>.<seq>": `seq` counts the process's events from 1 and `boot` names the
// process, so an id from before a restart is recognised as unknown (a `reset`), never replayed
// against the wrong history.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::net {
class Connection;
}

namespace cachet::gateway {

enum class EventType : uint8_t { kChanged, kDeleted, kExpired, kEvicted };

// "changed", "deleted", "expired", "evicted": the SSE event name.
std::string_view event_name(EventType type);

// What a keyspace event (Redis's __keyevent@<db>__:<name> channel suffix) means for a web
// client's copy of the key: "del", "rename_from", "move_from" delete it, "expired" and "evicted"
// are their own; a TTL change ("expire", "persist") or a read ("keymiss") or "new" is no change
// to the value (nothing); any other write is `kChanged`.
std::optional<EventType> classify_keyevent(std::string_view name);

struct Event {
  uint64_t seq = 0;
  EventType type = EventType::kChanged;
  std::string key;
};

// The last `capacity` events, for replay after a reconnect. Not thread-safe.
class EventRing {
 public:
  explicit EventRing(size_t capacity) : capacity_(capacity) {}
  // Appends an event, dropping the oldest past capacity; returns its seq.
  uint64_t append(EventType type, std::string_view key);
  // Appends to `out` every event after seq `after`. False (and nothing appended) when some of
  // them were dropped already, or `after` is in the future.
  bool since(uint64_t after, std::vector<Event>& out) const;
  // Drops every event and uses up one seq, so that since() fails for every position before the
  // call; returns that seq (the new last()).
  uint64_t forget();
  // The seq of the newest event (0 before the first).
  uint64_t last() const { return next_ - 1; }

 private:
  size_t capacity_;
  uint64_t next_ = 1;         // seq of the next event
  std::deque<Event> events_;  // seqs next_ - size() .. next_ - 1, oldest first (none past a forget)
};

// Parses a Last-Event-ID "<boot>.<seq>"; nullopt when it is malformed or names another boot.
std::optional<uint64_t> parse_event_id(std::string_view id, std::string_view boot);

// The response head of an event stream (200, text/event-stream, no caching, no proxy buffering;
// the body ends when the connection closes).
void write_stream_head(std::string& out, std::string_view date);
// SSE encodings, appended to `out`: an event with its id and JSON data {"key":...}; a `reset`
// (the client must drop its copies: events were lost) whose id is the current position; a
// comment line (heartbeat).
void write_event(std::string& out, std::string_view boot, const Event& event);
void write_reset(std::string& out, std::string_view boot, uint64_t seq, std::string_view reason);
void write_comment(std::string& out, std::string_view text);

// A source of key events that SSE connections can subscribe to. Thread-safe; open() and close()
// run on the connection's worker thread.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // Starts streaming to `conn` (whose response head is written already): events for keys
  // starting with `prefix`; with a `last_event_id`, first the events after it, or a `reset` when
  // they are no longer known. The connection's output grows only while the client reads: past
  // a bound it is closed.
  virtual void open(net::Connection& conn, std::string_view prefix,
                    std::string_view last_event_id) = 0;
  // The connection is closing: forget its stream.
  virtual void close(net::Connection& conn) = 0;
};

}  // namespace cachet::gateway
