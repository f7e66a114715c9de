#include "gateway/local_backend.h"

#include "resp/writer.h"
#include "server/session.h"

namespace cachet::gateway {

bool LocalBackend::run(std::span<const std::vector<std::string_view>> commands,
                       std::vector<resp::Reply>& replies, std::string& error) {
  server::Session session;
  session.authenticated = true;  // the HTTP port is the operator's own interface
  std::string out;
  resp::Writer writer(out);
  for (const auto& args : commands) instance_.execute(session, args, writer);
  replies.clear();
  std::string_view rest = out;
  for (size_t i = 0; i < commands.size(); ++i) {
    size_t used = 0;
    if (resp::parse_reply(rest, replies.emplace_back(), used) != resp::ReplyStatus::kOk) {
      error = "unreadable reply from the local store";
      return false;
    }
    rest.remove_prefix(used);
  }
  return true;
}

}  // namespace cachet::gateway
