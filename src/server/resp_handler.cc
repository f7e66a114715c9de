#include "server/resp_handler.h"

#include "resp/parser.h"
#include "resp/writer.h"
#include "server/blocking.h"
#include "server/clients.h"
#include "server/command.h"
#include "store/store.h"

namespace cachet::server {
namespace {

resp::Limits parser_limits(const Config& config) {
  resp::Limits limits;
  limits.max_bulk_len = config.proto_max_bulk_len;
  return limits;
}

// What Redis 7.0 writes to a client its protected mode refuses, byte for byte (tools match it).
constexpr std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password "
    "is set for the default user. In this mode connections are only accepted from the loopback "
    "interface. If you want to connect from external computers to Redis you may adopt one of the "
    "following solutions: 1) Just disable protected mode sending the command 'CONFIG SET "
    "protected-mode no' from the loopback interface by connecting to Redis from the same host "
    "the server is running, however MAKE SURE Redis is not publicly accessible from internet if "
    "you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just "
    "disable the protected mode by editing the Redis configuration file, and setting the "
    "protected mode option to 'no', and then restarting the server. 3) If you started the server "
    "manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "
    "authentication password for the default user. NOTE: You only need to do one of the above "
    "things in order for the server to start accepting connections from the outside.\r\n";

// The connection whose input this thread is handling (0: none): a message for it must wait until
// its replies are written, or it could land inside one of them.
thread_local uint64_t handling_input = 0;
// Messages for that connection, written after the reply of the command that caused them (as Redis
// sends a client the invalidation of a key it wrote itself).
thread_local std::vector<std::shared_ptr<const Message>> pending_for_input;
// This worker's connections waiting for a CLIENT PAUSE to end, and whether its timer exists.
thread_local std::vector<uint64_t> paused_connections;
thread_local bool pause_timer_added = false;

// Pending output a client may have before it authenticates (Redis closes such a client past it).
constexpr size_t kUnauthenticatedOutputLimit = 1024;

class RespHandler final : public net::Handler {
 public:
  RespHandler(Instance& instance, net::Connection& conn, const Config& config)
      : instance_(instance), parser_(parser_limits(config)) {
    auto info = std::make_shared<ClientInfo>();
    info->id = conn.id();
    info->addr = conn.peer_address();
    info->laddr = conn.local_address();
    info->fd = conn.fd();
    info->fixed_bytes = sizeof(ClientInfo) + sizeof(RespHandler) + sizeof(net::Connection);
    info->created_ms = instance.clock().now_ms();
    info->last_interaction_ms = info->created_ms;
    net::Worker* worker = &conn.worker();
    info->worker = worker;
    info->kill = [worker, id = conn.id()] { worker->post([worker, id] { worker->close(id); }); };
    session_.connection = &conn;
    session_.info = info;
    session_.deliver = [worker, id = conn.id()](std::string reply) {
      worker->post([worker, id, reply = std::move(reply)] {
        if (net::Connection* c = worker->find(id)) {
          static_cast<RespHandler&>(c->handler()).unblock(*c, reply);
        }
      });
    };
    session_.make_subscriber = [worker, id = conn.id()] {
      auto s = std::make_shared<Subscriber>();
      s->id = id;
      s->worker = worker;
      return s;
    };
    act_as(session_, instance.acl().default_user());
    session_.authenticated = !instance.password_required();
    if (!session_.authenticated) conn.set_output_limit(kUnauthenticatedOutputLimit);
    instance.clients().add(std::move(info));
    instance.stats().connections_received.fetch_add(1, std::memory_order_relaxed);
    if (instance.refuses(conn.peer_address())) {  // answered at once, before any command
      conn.output() += kProtectedModeDenied;
      conn.close_after_reply();
      instance.stats().rejected_connections.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Parses every complete command first and prefetches each one's key, then runs them in order:
  // the memory loads of a pipelined batch overlap instead of stalling one after another.
  size_t on_input(net::Connection& conn, std::string_view input) override {
    handling_input = conn.id();
    // Bytes count when they arrive (the input left unconsumed is handed back next time).
    instance_.stats().net_input_bytes.add(input.size() - std::min(input.size(), unconsumed_));
    size_t output_before = conn.output().size();
    size_t consumed = handle(conn, input);
    unconsumed_ = input.size() - consumed;
    count_output(conn, output_before);
    handling_input = 0;
    pending_for_input.clear();  // (left only when the connection is closing)
    return consumed;
  }

  size_t handle(net::Connection& conn, std::string_view input) {
    store::TimeSnapshot now(instance_.store());
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
        run_batch(out);
        if (!session_.close_after_reply) out.error("ERR " + parser_.error());
        session_.close_after_reply = true;
        break;
      }
      if (status == resp::ParseStatus::kEmpty) {
        pos += parser_.consumed();
        continue;
      }
      // Inline arguments live in the parser until the next parse, AUTH changes the limits the
      // next command is parsed with, and a blocking command may hold back the ones after it:
      // such commands run at once, after the batch.
      const CommandSpec* spec = find_command(parser_.args()[0]);
      if (instance_.paused(spec, parser_.args(),
                           session_)) {  // CLIENT PAUSE: it stays in the input until then
        run_batch(out);
        wait_for_unpause(conn);
        break;
      }
      pos += parser_.consumed();
      bool blocking = spec != nullptr && (spec->flags & kBlocking);
      if (parser_.is_inline() || !session_.authenticated || blocking) {
        run_batch(out);
        if (!session_.close_after_reply) instance_.execute(session_, parser_.args(), out, spec);
        if (!pending_for_input.empty()) append_pending(out);
        if (session_.waiter) {  // blocked: the rest of the input waits for the reply
          conn.hold_until_event();
          break;
        }
      } else {
        queue(out, spec, parser_.args());
      }
    }
    run_batch(out);
    apply_output_limit(conn);
    session_.info->last_interaction_ms.store(instance_.store().now(), std::memory_order_relaxed);
    if (!session_.close_after_reply) return pos;
    conn.close_after_reply();
    return input.size();
  }

  size_t input_needed() const override { return needed_; }

  void on_close(net::Connection&) override {
    session_.info->closed.store(true, std::memory_order_release);
    if (session_.waiter) instance_.blocking().cancel(*session_.waiter);
    unwatch_all(instance_, session_);
    unsubscribe_all(instance_, session_);
    stop_tracking(instance_, session_);
    stop_monitoring(instance_, session_);
    instance_.clients().remove(session_.info->id);
  }

  // Shows the settled buffers in CLIENT LIST (a blocked client still holds its arguments).
  void on_written(net::Connection& conn) override {
    session_.info->record(
        connection_memory(conn, session_.waiter ? argv_bytes(session_.waiter->args) : 0));
  }

  // Appends a message published to the client; the write happens once the worker has handled its
  // current events, so the messages of many publishes go out in one send.
  void push(net::Connection& conn, const Message& message) {
    size_t output_before = conn.output().size();
    append_message(conn.output(), message);
    count_output(conn, output_before);
    if (send_scheduled_) return;
    send_scheduled_ = true;
    net::Worker* worker = &conn.worker();
    worker->defer([worker, id = conn.id()] {
      if (net::Connection* c = worker->find(id)) {
        static_cast<RespHandler&>(c->handler()).send_pushed(*c);
      }
    });
  }

  // Writes the pushed messages, unless the output is over the soft limit of the client's class
  // for longer than allowed (then it closes; the hard limit closes it in the worker when the
  // write leaves too much behind).
  void send_pushed(net::Connection& conn) {
    send_scheduled_ = false;
    apply_output_limit(conn);
    OutputBufferLimit limit = instance_.hot().output_limit(client_class());
    if (limit.soft != 0 && conn.pending_output() > limit.soft) {
      int64_t now = instance_.clock().now_ms();
      if (over_soft_since_ms_ < 0) over_soft_since_ms_ = now;
      if (now - over_soft_since_ms_ > limit.soft_seconds * 1000) {  // Redis: strictly longer
        return conn.worker().close(conn.id());
      }
    } else {
      over_soft_since_ms_ = -1;
    }
    conn.worker().send(conn);
  }

  // Ends a block: writes the blocking command's reply, then runs the input that waited.
  void unblock(net::Connection& conn, std::string_view reply) {
    if (!session_.waiter) return;
    session_.waiter.reset();
    session_.info->blocked.store(false, std::memory_order_relaxed);
    conn.output() += reply;
    instance_.stats().net_output_bytes.add(reply.size());
    conn.worker().release(conn);
  }

 private:
  static constexpr size_t kMaxBatch = 64;
  static constexpr size_t kMaxPrefetch = 16;  // keys per command whose buckets are prefetched

  size_t unconsumed_ = 0;  // input on_input left for the next call (counted already)

  // Counts what was appended to the output since it held `before` bytes (INFO's
  // total_net_output_bytes).
  void count_output(net::Connection& conn, size_t before) {
    size_t now = conn.output().size();
    if (now > before) instance_.stats().net_output_bytes.add(now - before);
  }

  // Writes the messages that came for this client during its last command.
  void append_pending(resp::Writer& out) {
    for (const auto& m : pending_for_input) append_message(out.buffer(), *m);
    pending_for_input.clear();
  }

  // Appends `message` in the client's protocol; a RESP2-only form reaches only a subscribed
  // client, a RESP3-only message no RESP2 client.
  void append_message(std::string& output, const Message& message) {
    if (session_.protocol < 3 && message.resp3_only) return;
    if (session_.protocol < 3 && !message.resp2.empty()) {
      if (session_.subs.total() != 0) output += message.resp2;
    } else {
      append_push(output, message.push, session_.protocol);
    }
  }

  // Holds the connection until no CLIENT PAUSE is in effect; a timer of the worker checks every
  // 10 ms and feeds the waiting input again.
  void wait_for_unpause(net::Connection& conn) {
    conn.hold_until_event();
    paused_connections.push_back(conn.id());
    if (pause_timer_added) return;
    pause_timer_added = true;
    net::Worker* worker = &conn.worker();
    Instance* instance = &instance_;
    worker->add_timer(std::chrono::milliseconds(10), [worker, instance] {
      if (paused_connections.empty() || instance->pause_active()) return;
      std::vector<uint64_t> ids = std::move(paused_connections);
      paused_connections.clear();
      for (uint64_t id : ids) {
        if (net::Connection* c = worker->find(id)) worker->release(*c);
      }
    });
  }

  ClientClass client_class() const {
    return session_.subs.total() != 0 ? ClientClass::kPubSub : ClientClass::kNormal;
  }

  // The pending-output limit past which the worker closes the connection: Redis's 1 KB before
  // authentication, else the hard limit of the client's class (0: none).
  void apply_output_limit(net::Connection& conn) {
    conn.set_output_limit(session_.authenticated ? instance_.hot().output_limit(client_class()).hard
                                                 : kUnauthenticatedOutputLimit);
  }

  // Prefetches the buckets of the command's first keys (kMaxPrefetch at most).
  void prefetch_keys(KeyPositions keys, std::span<const std::string_view> args) {
    size_t issued = 0;
    keys.for_each([&](size_t i) {
      if (issued++ < kMaxPrefetch) {
        instance_.store().prefetch(session_.db, store::hash_key(args[i]));
      }
    });
  }

  void queue(resp::Writer& out, const CommandSpec* spec, std::span<const std::string_view> args) {
    batch_.push_back(
        {spec, static_cast<uint32_t>(batch_args_.size()), static_cast<uint32_t>(args.size())});
    batch_args_.insert(batch_args_.end(), args.begin(), args.end());
    if (spec != nullptr) {
      prefetch_keys(keys_of(*spec, args), args);
    }
    if (batch_.size() == kMaxBatch) run_batch(out);
  }

  // Runs the queued commands in order, stopping if one closes the connection.
  void run_batch(resp::Writer& out) {
    for (const Queued& q : batch_) {
      if (session_.close_after_reply) break;
      instance_.execute(session_, std::span(batch_args_).subspan(q.first, q.count), out, q.spec);
      if (!pending_for_input.empty()) append_pending(out);
    }
    batch_.clear();
    batch_args_.clear();
  }

  Instance& instance_;
  Session session_;
  resp::Parser parser_;
  size_t needed_ = 0;
  int64_t over_soft_since_ms_ = -1;  // since when output is over the soft limit (-1: it is not)
  bool send_scheduled_ = false;      // pushed messages wait for a deferred send_pushed()
  // Parsed commands not yet run: the command (null when unknown) and its arguments, whose views
  // in batch_args_ point into the connection's input.
  struct Queued {
    const CommandSpec* spec;
    uint32_t first, count;
  };
  std::vector<Queued> batch_;
  std::vector<std::string_view> batch_args_;
};

}  // namespace

std::unique_ptr<net::Handler> make_resp_handler(Instance& instance, net::Connection& conn) {
  return std::make_unique<RespHandler>(instance, conn, instance.config());
}

void append_push(std::string& out, std::string_view push, int protocol) {
  size_t at = out.size();
  out += push;
  if (protocol < 3 && push[0] == '>') out[at] = '*';
}

void deliver_pushes(net::Worker& worker, std::span<const uint64_t> ids,
                    std::shared_ptr<const Message> message) {
  for (uint64_t id : ids) {
    if (id == handling_input) {  // mid-reply: after the command's reply
      pending_for_input.push_back(message);
    } else if (net::Connection* c = worker.find(id)) {
      static_cast<RespHandler&>(c->handler()).push(*c, *message);
    }
  }
}

}  // namespace cachet::server
