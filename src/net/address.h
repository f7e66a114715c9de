// Socket address helpers.
#pragma once

#include <string>

namespace cachet::net {

// "ip:port" ("[ip]:port" for IPv6) of the socket's peer / local end; "?" when unknown.
std::string peer_address(int fd);
std::string local_address(int fd);

}  // namespace cachet::net
