// Socket address helpers.
#pragma once

#include <string>
#include <string_view>

namespace cachet::net {

// "ip:port" ("[ip]:port" for IPv6) of the socket's peer / local end; "?" when unknown.
std::string peer_address(int fd);
std::string local_address(int fd);
// Whether a peer_address() is 127.0.0.1 or ::1, the addresses Redis's protected mode trusts.
bool is_loopback_peer(std::string_view address);

}  // namespace cachet::net
