// A RESP server built from the net and resp layers alone (no store): answers every command with
// +PONG. Proves those layers stand on their own. Usage: ping-server [port]
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "net/server.h"
#include "resp/parser.h"
#include "resp/writer.h"

class PingHandler final : public cachet::net::Handler {
 public:
  size_t on_input(cachet::net::Connection& conn, std::string_view input) override {
    cachet::resp::Writer out(conn.output());
    size_t pos = 0;
    while (pos < input.size()) {
      auto status = parser_.parse(input.substr(pos));
      if (status == cachet::resp::ParseStatus::kIncomplete) break;
      if (status == cachet::resp::ParseStatus::kError) {
        out.error("ERR " + parser_.error());
        conn.close_after_reply();
        return input.size();
      }
      if (status == cachet::resp::ParseStatus::kOk) out.simple("PONG");
      pos += parser_.consumed();
    }
    return pos;
  }

 private:
  cachet::resp::Parser parser_;
};

int main(int argc, char** argv) {
  cachet::net::ServerOptions options;
  options.port = static_cast<uint16_t>(argc > 1 ? std::atoi(argv[1]) : 6380);
  cachet::net::Server server(options, [](auto&) { return std::make_unique<PingHandler>(); });
  std::string error;
  if (!server.listen(error)) return std::fprintf(stderr, "%s\n", error.c_str()), 1;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  server.start();
  int sig;
  sigwait(&signals, &sig);
}
