// Test fixture for command-level tests: an in-process Instance with an injected clock, driven
// with argument vectors; run() returns the raw RESP reply, as Redis 7 would send it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "resp/writer.h"
#include "server/instance.h"
#include "store/clock.h"

namespace cachet::server {

class CommandsTest : public testing::Test {
 protected:
  CommandsTest() : instance_(Config{}, clock_) { session_.authenticated = true; }

  // Runs one command and returns its raw reply.
  std::string run(std::vector<std::string> words) {
    std::vector<std::string_view> args(words.begin(), words.end());
    std::string out;
    resp::Writer writer(out, session_.protocol);
    instance_.execute(session_, args, writer);
    return out;
  }

  store::ManualClock clock_;
  Instance instance_;
  Session session_;
};

}  // namespace cachet::server
