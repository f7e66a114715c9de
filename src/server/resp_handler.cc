#include "server/resp_handler.h"

#include "resp/parser.h"
#include "resp/writer.h"

namespace cachet::server {
namespace {

resp::Limits parser_limits(const Config& config) {
  resp::Limits limits;
  limits.max_bulk_len = config.proto_max_bulk_len;
  return limits;
}

class RespHandler final : public net::Handler {
 public:
  RespHandler(Instance& instance, net::Connection& conn, const Config& config)
      : instance_(instance), parser_(parser_limits(config)) {
    auto info = std::make_shared<ClientInfo>();
    info->id = conn.id();
    info->addr = conn.peer_address();
    info->laddr = conn.local_address();
    info->fd = conn.fd();
    info->created_ms = instance.clock().now_ms();
    info->last_interaction_ms = info->created_ms;
    net::Worker* worker = &conn.worker();
    info->kill = [worker, id = conn.id()] { worker->post([worker, id] { worker->close(id); }); };
    session_.connection = &conn;
    session_.info = info;
    session_.authenticated = config.requirepass.empty();
    instance.clients().add(std::move(info));
    instance.stats().connections_received.fetch_add(1, std::memory_order_relaxed);
  }

  size_t on_input(net::Connection& conn, std::string_view input) override {
    resp::Writer out(conn.output(), session_.protocol);
    size_t pos = 0;
    needed_ = 0;
    while (pos < input.size() && !session_.close_after_reply) {
      resp::ParseStatus status = parser_.parse(input.substr(pos), session_.authenticated);
      if (status == resp::ParseStatus::kIncomplete) {
        needed_ = parser_.bytes_needed();
        break;
      }
      if (status == resp::ParseStatus::kError) {
        out.error("ERR " + parser_.error());
        session_.close_after_reply = true;
        pos = input.size();
        break;
      }
      if (status == resp::ParseStatus::kOk) instance_.execute(session_, parser_.args(), out);
      pos += parser_.consumed();
    }
    session_.info->last_interaction_ms.store(instance_.clock().now_ms(), std::memory_order_relaxed);
    if (session_.close_after_reply) conn.close_after_reply();
    return pos;
  }

  size_t input_needed() const override { return needed_; }

  void on_close(net::Connection&) override { instance_.clients().remove(session_.info->id); }

 private:
  Instance& instance_;
  Session session_;
  resp::Parser parser_;
  size_t needed_ = 0;
};

}  // namespace

std::unique_ptr<net::Handler> make_resp_handler(Instance& instance, net::Connection& conn) {
  return std::make_unique<RespHandler>(instance, conn, instance.config());
}

}  // namespace cachet::server
