// Per-connection state of a RESP client, owned by its connection's worker thread.
#pragma once

#include <cstdint>
#include <memory>

namespace cachet::net {
class Connection;
}

namespace cachet::server {

struct ClientInfo;

struct Session {
  net::Connection* connection = nullptr;  // null in in-process tests
  std::shared_ptr<ClientInfo> info;       // the registry's view of this client
  int db = 0;
  int protocol = 2;
  bool authenticated = false;
  bool close_after_reply = false;
};

}  // namespace cachet::server
