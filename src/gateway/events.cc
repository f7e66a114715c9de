#include "gateway/events.h"

#include <charconv>

#include "cachet/json/writer.h"
#include "gateway/api.h"

namespace cachet::gateway {

std::string_view event_name(EventType type) {
  switch (type) {
    case EventType::kChanged:
      return "changed";
    case EventType::kDeleted:
      return "deleted";
    case EventType::kExpired:
      return "expired";
    case EventType::kEvicted:
      break;
  }
  return "evicted";
}

std::optional<EventType> classify_keyevent(std::string_view name) {
  if (name == "del" || name == "rename_from" || name == "move_from") return EventType::kDeleted;
  if (name == "expired") return EventType::kExpired;
  if (name == "evicted") return EventType::kEvicted;
  if (name == "expire" || name == "persist" || name == "keymiss" || name == "new") {
    return std::nullopt;
  }
  return EventType::kChanged;
}

uint64_t EventRing::append(EventType type, std::string_view key) {
  if (events_.size() == capacity_) events_.pop_front();
  events_.push_back({next_, type, std::string(key)});
  return next_++;
}

uint64_t EventRing::forget() {
  events_.clear();
  return next_++;
}

bool EventRing::since(uint64_t after, std::vector<Event>& out) const {
  uint64_t first = next_ - events_.size();  // seq of events_.front()
  if (after > last() || after + 1 < first) return false;
  out.insert(out.end(), events_.begin() + static_cast<ptrdiff_t>(after + 1 - first), events_.end());
  return true;
}

std::optional<uint64_t> parse_event_id(std::string_view id, std::string_view boot) {
  size_t dot = id.find('.');
  if (dot == std::string_view::npos || id.substr(0, dot) != boot) return std::nullopt;
  std::string_view digits = id.substr(dot + 1);
  uint64_t seq = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return seq;
}

void write_stream_head(std::string& out, std::string_view date) {
  out += "HTTP/1.1 200 OK\r\nDate: ";
  out += date;
  out +=
      "\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
}

namespace {

void write_id(std::string& out, std::string_view boot, uint64_t seq) {
  out += "id: ";
  out += boot;
  out += '.';
  out += std::to_string(seq);
  out += '\n';
}

}  // namespace

void write_event(std::string& out, std::string_view boot, const Event& event) {
  write_id(out, boot, event.seq);
  out += "event: ";
  out += event_name(event.type);
  json::buffer data;
  json::writer(data).begin_object().key("key").value(valid_utf8(event.key)).end_object();
  out += "\ndata: ";
  out += data.view();  // JSON has no raw newline: one data line
  out += "\n\n";
}

void write_reset(std::string& out, std::string_view boot, uint64_t seq, std::string_view reason) {
  write_id(out, boot, seq);
  json::buffer data;
  json::writer(data).begin_object().key("reason").value(reason).end_object();
  out += "event: reset\ndata: ";
  out += data.view();
  out += "\n\n";
}

void write_comment(std::string& out, std::string_view text) {
  out += ": ";
  out += text;
  out += "\n\n";
}

}  // namespace cachet::gateway
