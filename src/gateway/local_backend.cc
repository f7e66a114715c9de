#include "gateway/local_backend.h"

#include "resp/writer.h"
#include "server/notify.h"
#include "server/session.h"

namespace cachet::gateway {
LocalBackend::~LocalBackend() {
  if (subs_.subscriber) {
    instance_.pubsub().unsubscribe(subs_, server::Space::kPattern, EventHub::kKeyeventPattern);
  }
}

void LocalBackend::ensure_source() {
  std::call_once(subscribed_, [this] {
    subs_.subscriber = std::make_shared<server::Subscriber>();
    subs_.subscriber->id = kSubscriberId;
    subs_.subscriber->sink = [this](std::string_view message) {
      resp::Reply reply;
      size_t used = 0;
      if (resp::parse_reply(message, reply, used) == resp::ReplyStatus::kOk) {
        events_.publish(reply);
      }
    };
    instance_.pubsub().subscribe(subs_, server::Space::kPattern, EventHub::kKeyeventPattern);
  });
  uint32_t flags = instance_.config().notify_keyspace_events;
  if ((flags & EventHub::kNotifyNeeded) == EventHub::kNotifyNeeded) return;
  std::string value = server::format_keyspace_events(flags | EventHub::kNotifyNeeded);
  std::string_view pair[] = {"notify-keyspace-events", value};
  (void)instance_.set_config(pair);  // a valid value: it cannot be refused
}

void LocalBackend::run(net::Worker& /*worker*/, std::string_view user,
                       std::span<const Command> commands, Done done) {
  server::Session session;
  session.authenticated = true;  // the Api checked the request's credentials (Authenticator)
  // Its ACLs apply; a user deleted since the request was checked may do nothing.
  session.user = instance_.acl().find(user);
  if (session.user == nullptr) session.user = std::make_shared<const server::AclUser>();
  std::string out;
  resp::Writer writer(out);
  for (const auto& args : commands) instance_.execute(session, args, writer);
  Outcome outcome;
  std::string_view rest = out;
  for (size_t i = 0; i < commands.size() && outcome.ok; ++i) {
    size_t used = 0;
    if (resp::parse_reply(rest, outcome.replies.emplace_back(), used) != resp::ReplyStatus::kOk) {
      outcome = {false, {}, "unreadable reply from the local store"};
    }
    rest.remove_prefix(used);
  }
  done(outcome);
}

}  // namespace cachet::gateway
