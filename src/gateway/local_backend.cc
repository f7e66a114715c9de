#include "gateway/local_backend.h"

#include "resp/writer.h"
#include "server/session.h"

namespace cachet::gateway {

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
