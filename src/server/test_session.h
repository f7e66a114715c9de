// Test fixture for command-level tests: an in-process Instance with an injected clock, driven
// with argument vectors; run() returns the raw RESP reply, as Redis 7 would send it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "resp/writer.h"
#include "server/instance.h"
#include "store/clock.h"

namespace cachet::server {

class CommandsTest : public testing::Test {
 protected:
  CommandsTest() : instance_(config_, clock_) { session_.authenticated = true; }

  // Runs one command and returns its raw reply.
  std::string run(std::vector<std::string> words) {
    std::vector<std::string_view> args(words.begin(), words.end());
    std::string out;
    resp::Writer writer(out, session_.protocol);
    instance_.execute(session_, args, writer);
    return out;
  }

  // Runs one command for another client `s` (a second connection).
  std::string run_as(Session& s, std::vector<std::string> words) {
    std::vector<std::string_view> args(words.begin(), words.end());
    std::string out;
    resp::Writer writer(out, s.protocol);
    instance_.execute(s, args, writer);
    return out;
  }

  // Makes `s` a client whose published messages (and other pushes) are appended to `inbox` as
  // they are delivered, encoded for the protocol it speaks when it first subscribes.
  void listen(Session& s, std::string& inbox) {
    s.authenticated = true;
    s.make_subscriber = [&s, &inbox, id = ++next_client_id_] {
      auto sub = std::make_shared<Subscriber>();
      sub->id = id;
      sub->protocol = s.protocol;
      sub->sink = [&inbox](std::string_view message) { inbox += message; };
      return sub;
    };
  }

  store::ManualClock clock_;
  const Config config_;  // the defaults (a named object: GCC 12 misreads a temporary's strings)
  Instance instance_;
  Session session_;
  uint64_t next_client_id_ = 1000;
};

// The bulk strings of a flat array or set reply, sorted (empty for any other reply).
inline std::vector<std::string> sorted_members(const std::string& reply) {
  std::vector<std::string> out;
  if (reply.empty() || (reply[0] != '*' && reply[0] != '~')) return out;
  size_t pos = reply.find("\r\n") + 2;
  while (pos < reply.size() && reply[pos] == '$') {
    size_t eol = reply.find("\r\n", pos);
    size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
    out.push_back(reply.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cachet::server
