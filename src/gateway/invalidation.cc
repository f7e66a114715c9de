#include "gateway/invalidation.h"

#include <algorithm>
#include <deque>
#include <memory>

#include "net/worker.h"

namespace cachet::gateway {

const std::string_view kTagScript = R"lua(
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl == 0 then
  redis.call('PERSIST', KEYS[1])
elseif redis.call('HLEN', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  local left = redis.call('PTTL', KEYS[1])
  if left >= 0 and left < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return 1)lua";

const std::string_view kPurgeKeyScript = R"lua(
local v = redis.pcall('GET', KEYS[1])
if type(v) == 'string' and redis.sha1hex(v) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0)lua";

const std::string_view kUntagScript = R"lua(
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    n = n + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return n)lua";

std::string tag_key(std::string_view tag) {
  std::string key(kTagPrefix);
  key += tag;
  return key;
}

bool reserved_key(std::string_view key) { return key.starts_with(kTagPrefix); }

bool parse_tags(std::string_view text, std::vector<std::string>& tags, std::string& error) {
  tags.clear();
  while (true) {
    size_t comma = text.find(',');
    std::string_view tag = text.substr(0, comma);
    if (tag.empty()) return error = "tags must be a comma-separated list of names", false;
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.emplace_back(tag);
    if (tags.size() > kMaxTags) return error = "at most 64 tags per key", false;
    if (comma == std::string_view::npos) return true;
    text.remove_prefix(comma + 1);
  }
}

std::string prefix_glob(std::string_view prefix) {
  std::string glob;
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') glob += '\\';
    glob += c;
  }
  return glob + '*';
}

namespace {

bool is_error(const resp::Reply& r) { return r.type == resp::Reply::Type::kError; }

// One purge in progress. Each step builds one round trip: the deletes the previous scan found
// plus the next scan; its reply posts the next step. Owned by the callbacks that continue it.
class Purge : public std::enable_shared_from_this<Purge> {
 public:
  Purge(Backend& backend, net::Worker& worker, PurgeSpec spec, Done done)
      : backend_(backend), worker_(worker), spec_(std::move(spec)), done_(std::move(done)) {}

  // Runs the next round trip (or finishes), on the worker's thread.
  void step();

 private:
  enum class Stage { kKeys, kTags, kPrefix };
  // Each stage's round: false when the stage has nothing left.
  bool keys_round();
  bool tags_round();
  bool prefix_round();
  // Sends commands_ (to `node`, or by key when -1); the outcome comes to on_reply.
  void send(int node = -1);
  void on_reply(Outcome& outcome);
  // Takes a SCAN/HSCAN reply: the next cursor, and its elements into found_.
  void take_scan(resp::Reply& scan);
  void finish(Outcome& outcome);
  std::string_view own(std::string_view s) { return args_.emplace_back(s); }
  void add(std::initializer_list<std::string_view> command) { commands_.emplace_back(command); }

  Backend& backend_;
  net::Worker& worker_;
  PurgeSpec spec_;
  Done done_;
  Stage stage_ = Stage::kKeys;
  int64_t deleted_ = 0;
  size_t next_key_ = 0;  // kKeys: spec_.keys done so far
  size_t tag_ = 0;       // kTags: the tag being scanned
  int node_ = 0;         // kPrefix: the node being scanned
  std::string cursor_;   // of the current scan; empty: not started
  bool scan_done_ = false;
  std::vector<std::string> found_;  // what the last scan returned, to delete in the next round
  bool scanning_ = false;           // the round in flight ends with a scan
  std::string tag_hash_, glob_;
  std::deque<std::string> args_;   // the round's arguments (a deque: views stay valid)
  std::vector<Command> commands_;  // the round's commands
};

void Purge::step() {
  args_.clear();
  commands_.clear();
  scanning_ = false;
  while (true) {
    bool sent = stage_ == Stage::kKeys   ? keys_round()
                : stage_ == Stage::kTags ? tags_round()
                                         : prefix_round();
    if (sent) return;
    if (stage_ == Stage::kPrefix) break;
    stage_ = stage_ == Stage::kKeys ? Stage::kTags : Stage::kPrefix;
  }
  Outcome outcome;
  resp::Reply& count = outcome.replies.emplace_back();
  count.type = resp::Reply::Type::kInteger;
  count.integer = deleted_;
  finish(outcome);
}

bool Purge::keys_round() {
  size_t end = std::min(spec_.keys.size(), next_key_ + kPurgeBatch);
  for (; next_key_ < end; ++next_key_) {
    if (!reserved_key(spec_.keys[next_key_])) add({"DEL", spec_.keys[next_key_]});
  }
  if (commands_.empty() && next_key_ < spec_.keys.size()) return keys_round();
  if (commands_.empty()) return false;
  send();
  return true;
}

bool Purge::tags_round() {
  while (tag_ < spec_.tags.size()) {
    if (cursor_.empty()) tag_hash_ = tag_key(spec_.tags[tag_]);
    // found_ holds field, SHA-1 pairs.
    for (size_t i = 0; i + 1 < found_.size(); i += 2) {
      add({"EVAL", kPurgeKeyScript, "1", found_[i], found_[i + 1]});
    }
    if (!found_.empty()) {
      Command untag = {"EVAL", kUntagScript, "1", tag_hash_};
      untag.insert(untag.end(), found_.begin(), found_.end());
      commands_.push_back(std::move(untag));
    }
    if (!scan_done_) {
      add({"HSCAN", tag_hash_, own(cursor_.empty() ? "0" : cursor_), "COUNT",
           own(std::to_string(kPurgeBatch))});
      scanning_ = true;
    }
    if (!commands_.empty()) return send(), true;
    ++tag_;
    cursor_.clear();
    scan_done_ = false;
  }
  return false;
}

bool Purge::prefix_round() {
  if (spec_.prefix.empty()) return false;
  glob_ = prefix_glob(spec_.prefix);
  while (node_ < backend_.nodes()) {
    std::erase_if(found_, [](const std::string& k) { return reserved_key(k); });
    if (!found_.empty()) {
      Command del = {"DEL"};
      del.insert(del.end(), found_.begin(), found_.end());
      commands_.push_back(std::move(del));
    }
    if (!scan_done_) {
      add({"SCAN", own(cursor_.empty() ? "0" : cursor_), "MATCH", glob_, "COUNT",
           own(std::to_string(kPurgeBatch))});
      scanning_ = true;
    }
    if (!commands_.empty()) return send(node_), true;
    ++node_;
    cursor_.clear();
    scan_done_ = false;
  }
  return false;
}

void Purge::send(int node) {
  auto self = shared_from_this();
  Done next = [self](Outcome& outcome) { self->on_reply(outcome); };
  if (node < 0) return backend_.run(worker_, spec_.user, commands_, std::move(next));
  backend_.run_on_node(worker_, spec_.user, node, commands_, std::move(next));
}

void Purge::take_scan(resp::Reply& scan) {
  found_.clear();
  scan_done_ = true;  // unless the reply is a well-formed scan step
  if (scan.type != resp::Reply::Type::kArray || scan.elements.size() != 2) return;
  cursor_ = std::move(scan.elements[0].text);
  scan_done_ = cursor_ == "0";
  for (resp::Reply& e : scan.elements[1].elements) found_.push_back(std::move(e.text));
}

void Purge::on_reply(Outcome& outcome) {
  if (!outcome.ok) return finish(outcome);
  auto failed = std::find_if(outcome.replies.begin(), outcome.replies.end(), is_error);
  if (failed != outcome.replies.end()) {
    resp::Reply error = std::move(*failed);
    outcome.replies = {std::move(error)};
    return finish(outcome);
  }
  size_t deletes = outcome.replies.size() - (scanning_ ? 1 : 0);
  // A tag round's last delete is the untag script, whose count is of fields, not keys.
  if (stage_ == Stage::kTags && !found_.empty()) --deletes;
  for (size_t i = 0; i < deletes; ++i) deleted_ += outcome.replies[i].integer;
  if (scanning_) {
    take_scan(outcome.replies.back());
  } else {
    found_.clear();
  }
  worker_.post([self = shared_from_this()] { self->step(); });
}

void Purge::finish(Outcome& outcome) {
  Done done = std::move(done_);
  done(outcome);
}

}  // namespace

void run_purge(Backend& backend, net::Worker& worker, PurgeSpec spec, Done done) {
  auto purge = std::make_shared<Purge>(backend, worker, std::move(spec), std::move(done));
  worker.post([purge] { purge->step(); });
}

}  // namespace cachet::gateway
