// Command statistics and their commands: SLOWLOG, LATENCY, INFO commandstats / errorstats /
// latencystats / stats, CONFIG RESETSTAT. Command durations come from a fake timer that moves
// a set step per read (a command reads it twice), and times of day from the manual clock, so
// every expected reply is exact. Expected replies were taken from Redis 7.0.15.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/command_stats.h"
#include "server/latency_histogram.h"
#include "server/latency_monitor.h"
#include "server/slow_log.h"
#include "server/test_session.h"

namespace cachet::server {
namespace {

using std::chrono::seconds;

thread_local int64_t fake_now_us = 0;
thread_local int64_t fake_step_us = 0;  // how long each command takes
int64_t fake_timer() { return fake_now_us += fake_step_us; }

class IntrospectionTest : public CommandsTest {
 protected:
  IntrospectionTest() {
    fake_now_us = 1'000'000;
    fake_step_us = 0;
    instance_.command_stats().set_timer(fake_timer);
  }

  // Runs a command that takes `us` microseconds.
  std::string run_for(int64_t us, std::vector<std::string> words) {
    fake_step_us = us;
    std::string reply = run(std::move(words));
    fake_step_us = 0;
    return reply;
  }

  // The body of INFO `section` (RESP2 bulk), without its header line.
  std::string info(const std::string& section) {
    std::string reply = run({"info", section});
    size_t body = reply.find("\r\n", reply.find("\r\n") + 2) + 2;  // past "$n" and "# Name"
    return reply.substr(body, reply.size() - body - 2);
  }
};

// --- SLOWLOG ---

TEST_F(IntrospectionTest, SlowlogKeepsCommandsAtOrOverTheThreshold) {
  run_for(9999, {"set", "fast", "v"});
  run_for(10000, {"set", "k", "v"});  // the default threshold: 10000 µs
  EXPECT_EQ(run({"slowlog", "len"}), ":1\r\n");
  EXPECT_EQ(run({"slowlog", "get"}),
            "*1\r\n*6\r\n:0\r\n:1700000000\r\n:10000\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n"
            "$0\r\n\r\n$0\r\n\r\n");
}

TEST_F(IntrospectionTest, SlowlogIsNewestFirstAndCountLimitsIt) {
  run({"config", "set", "slowlog-log-slower-than", "0"});  // logged itself: id 0
  clock_.advance(seconds(5));
  run_for(7, {"get", "a"});
  run_for(8, {"get", "b"});
  EXPECT_EQ(run({"slowlog", "get", "2"}),
            "*2\r\n"
            "*6\r\n:2\r\n:1700000005\r\n:8\r\n*2\r\n$3\r\nget\r\n$1\r\nb\r\n$0\r\n\r\n$0\r\n\r\n"
            "*6\r\n:1\r\n:1700000005\r\n:7\r\n*2\r\n$3\r\nget\r\n$1\r\na\r\n$0\r\n\r\n$0\r\n\r\n");
  EXPECT_EQ(run({"slowlog", "get", "0"}), "*0\r\n");
  EXPECT_EQ(run({"slowlog", "get", "-1"}).substr(0, 4), "*5\r\n");  // all five so far
}

TEST_F(IntrospectionTest, SlowlogGetArguments) {
  const std::string kCount = "-ERR count should be greater than or equal to -1\r\n";
  EXPECT_EQ(run({"slowlog", "get", "-2"}), kCount);
  EXPECT_EQ(run({"slowlog", "get", "abc"}), kCount);
  EXPECT_EQ(
      run({"slowlog", "GET", "1", "2"}),
      "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n");
  EXPECT_EQ(run({"slowlog", "len", "x"}),
            "-ERR wrong number of arguments for 'slowlog|len' command\r\n");
  EXPECT_EQ(run({"slowlog"}), "-ERR wrong number of arguments for 'slowlog' command\r\n");
  EXPECT_EQ(run({"slowlog", "foo"}), "-ERR unknown subcommand 'foo'. Try SLOWLOG HELP.\r\n");
  std::string help = run({"slowlog", "help"});
  EXPECT_EQ(help.substr(0, help.find("\r\n+GET")),
            "*12\r\n+SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

TEST_F(IntrospectionTest, SlowlogShortensLongCommands) {
  run({"config", "set", "slowlog-log-slower-than", "0"});
  std::vector<std::string> words = {"rpush", "list"};
  for (int i = 0; i < 38; ++i) words.push_back(std::to_string(i));  // 40 arguments
  words[2] = std::string(130, 'x');
  run(words);
  std::string reply = run({"slowlog", "get", "1"});
  EXPECT_NE(reply.find("*32\r\n$5\r\nrpush\r\n$4\r\nlist\r\n$146\r\n" + std::string(128, 'x') +
                       "... (2 more bytes)\r\n$1\r\n1\r\n"),
            std::string::npos);
  EXPECT_NE(reply.find("$2\r\n28\r\n$22\r\n... (9 more arguments)\r\n"), std::string::npos);
}

TEST_F(IntrospectionTest, ShortenArgumentsKeepsShortCommands) {
  std::vector<std::string_view> args = {"get", "k"};
  EXPECT_EQ(shorten_arguments(args), (std::vector<std::string>{"get", "k"}));
  std::vector<std::string_view> many(32, "a");
  EXPECT_EQ(shorten_arguments(many).back(), "a");  // exactly 32: nothing cut
  many.push_back("b");
  EXPECT_EQ(shorten_arguments(many).back(), "... (2 more arguments)");
}

TEST_F(IntrospectionTest, SlowlogHidesPasswords) {
  run({"config", "set", "slowlog-log-slower-than", "0"});
  run({"auth", "secret"});
  run({"hello", "2", "auth", "default", "secret", "setname", "me"});
  run({"config", "set", "maxmemory", "0", "requirepass", "secret"});
  run({"config", "set", "requirepass", ""});
  std::string reply = run({"slowlog", "get", "4"});
  EXPECT_EQ(reply.find("secret"), std::string::npos) << reply;
  EXPECT_NE(reply.find("*2\r\n$4\r\nauth\r\n$10\r\n(redacted)\r\n"), std::string::npos);
  EXPECT_NE(reply.find("$4\r\nauth\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n$7\r\nsetname\r\n"
                       "$2\r\nme\r\n"),
            std::string::npos);
  EXPECT_NE(reply.find("$9\r\nmaxmemory\r\n$1\r\n0\r\n$11\r\nrequirepass\r\n$10\r\n(redacted)"),
            std::string::npos);
}

TEST_F(IntrospectionTest, SlowlogLogsTheCommandsOfExecNotExec) {
  run({"config", "set", "slowlog-log-slower-than", "0"});
  run({"slowlog", "reset"});  // id 1
  run({"multi"});             // id 2
  run({"set", "k", "v"});     // queued: not run yet
  run({"exec"});              // SET id 3; EXEC not logged
  const std::string kSet = "*1\r\n*6\r\n:3\r\n:1700000000\r\n:0\r\n*3\r\n$3\r\nset\r\n";
  EXPECT_EQ(run({"slowlog", "get", "1"}).substr(0, kSet.size()), kSet);
  EXPECT_EQ(run({"slowlog", "len"}), ":4\r\n");  // reset, multi, set, slowlog get
}

TEST_F(IntrospectionTest, SlowlogResetKeepsIdsAndMaxLenTrims) {
  run({"config", "set", "slowlog-log-slower-than", "0", "slowlog-max-len", "2"});
  run({"ping"});
  run({"ping"});
  EXPECT_EQ(run({"slowlog", "len"}), ":2\r\n");
  EXPECT_EQ(run({"slowlog", "reset"}), "+OK\r\n");
  EXPECT_EQ(run({"slowlog", "get"}).substr(0, 12), "*1\r\n*6\r\n:4\r\n");  // the reset, id 4
  run({"config", "set", "slowlog-log-slower-than", "-1"});
  run({"ping"});
  EXPECT_EQ(run({"slowlog", "len"}), ":2\r\n");  // slowlog get and slowlog reset: -1 is off
}

// --- LATENCY ---

TEST_F(IntrospectionTest, LatencyMonitorIsOffByDefault) {
  run_for(50'000, {"set", "k", "v"});
  EXPECT_EQ(run({"latency", "latest"}), "*0\r\n");
  EXPECT_NE(run({"latency", "doctor"})
                .find("\r\nI'm sorry, Dave, I can't do that. Latency "
                      "monitoring is disabled in this Redis instance."),
            std::string::npos);
}

TEST_F(IntrospectionTest, LatencyRecordsCommandAndFastCommandEvents) {
  run({"config", "set", "latency-monitor-threshold", "10"});
  run_for(9'999, {"set", "k", "v"});  // 9 ms: under the threshold
  run_for(20'500, {"set", "k", "v"});
  run_for(15'000, {"set", "k", "v"});  // same second, smaller: the 20 ms sample stays
  clock_.advance(seconds(1));
  run_for(12'000, {"get", "k"});  // GET is @fast
  clock_.advance(seconds(1));
  run_for(13'000, {"set", "k", "v"});
  EXPECT_EQ(run({"latency", "latest"}),
            "*2\r\n*4\r\n$7\r\ncommand\r\n:1700000002\r\n:13\r\n:20\r\n"
            "*4\r\n$12\r\nfast-command\r\n:1700000001\r\n:12\r\n:12\r\n");
  EXPECT_EQ(run({"latency", "history", "command"}),
            "*2\r\n*2\r\n:1700000000\r\n:20\r\n*2\r\n:1700000002\r\n:13\r\n");
  EXPECT_EQ(run({"latency", "history", "nosuch"}), "*0\r\n");
  EXPECT_EQ(run({"latency", "reset", "command", "nosuch", "command"}), ":1\r\n");
  EXPECT_EQ(run({"latency", "reset"}), ":1\r\n");
  EXPECT_EQ(run({"latency", "latest"}), "*0\r\n");
}

TEST_F(IntrospectionTest, LatencyDoctorReportsEventsAndAdvice) {
  run({"config", "set", "latency-monitor-threshold", "1"});
  EXPECT_EQ(run({"latency", "doctor"}),
            "$196\r\nDave, no latency spike was observed during the lifetime of this Redis "
            "instance, not in the slightest bit. I honestly think you ought to sit down calmly, "
            "take a stress pill, and think things over.\n\r\n");
  run_for(20'000, {"set", "k", "v"});
  clock_.advance(seconds(1));
  run_for(3'000, {"set", "k", "v"});
  clock_.advance(seconds(1));
  std::string report = run({"latency", "doctor"});
  EXPECT_NE(report.find("Dave, I have observed latency spikes in this Redis instance. You don't "
                        "mind talking about it, do you Dave?\n\n1. command: 2 latency spikes "
                        "(average 11ms, mean deviation 8ms, period 1.00 sec). Worst all time "
                        "event 20ms.\n\nI have a few advices for you:\n\n- Your current Slow Log "
                        "configuration only logs events that are slower than your configured "
                        "latency monitor threshold. Please use 'CONFIG SET "
                        "slowlog-log-slower-than 1000'.\n- Check your Slow Log"),
            std::string::npos)
      << report;
}

TEST_F(IntrospectionTest, LatencyGraphDrawsRedisSparkline) {
  run({"config", "set", "latency-monitor-threshold", "1"});
  run_for(20'000, {"set", "k", "v"});
  clock_.advance(seconds(1));
  run_for(3'000, {"set", "k", "v"});
  clock_.advance(seconds(1));
  run_for(1'000, {"set", "k", "v"});
  EXPECT_EQ(run({"latency", "graph", "command"}),
            "$162\r\ncommand - high 20 ms, low 1 ms (all time high 20 ms)\n" +
                std::string(80, '-') + "\n#  \n|  \n|  \n|o_\n   \n210\nsss\n\r\n");
  EXPECT_EQ(run({"latency", "graph", "nosuch"}),
            "-ERR No samples available for event 'nosuch'\r\n");
}

TEST_F(IntrospectionTest, LatencyRecordsSlowExpireCycles) {
  run({"config", "set", "latency-monitor-threshold", "2"});
  fake_step_us = 1'000;  // the cycle reads the timer twice: 1 ms, under the threshold
  instance_.active_expire(0, 1, seconds(1));
  EXPECT_EQ(run({"latency", "latest"}), "*0\r\n");
  fake_step_us = 3'000;
  instance_.active_expire(0, 1, seconds(1));
  fake_step_us = 0;
  EXPECT_EQ(run({"latency", "latest"}),
            "*1\r\n*4\r\n$12\r\nexpire-cycle\r\n:1700000000\r\n:3\r\n:3\r\n");
  std::string report = run({"latency", "doctor"});
  EXPECT_NE(report.find("1. expire-cycle: 1 latency spikes"), std::string::npos) << report;
  EXPECT_NE(report.find("- In order to make the Redis keys expiring process more incremental, "
                        "try to set the 'hz' configuration parameter to 100 using 'CONFIG SET "
                        "hz 100'.\n- Deleting, expiring or evicting"),
            std::string::npos)
      << report;
}

TEST_F(IntrospectionTest, LatencyRecordsSlowEvictions) {
  for (int i = 0; i < 10; ++i) run({"set", "key:" + std::to_string(i), "value"});
  run({"config", "set", "latency-monitor-threshold", "1", "maxmemory-policy", "allkeys-random",
       "maxmemory", "1"});
  run_for(2'000, {"set", "new", "value"});  // evicts every key, each taking 2 ms
  std::string latest = run({"latency", "latest"});
  EXPECT_NE(latest.find("$14\r\neviction-cycle\r\n"), std::string::npos) << latest;
  EXPECT_NE(latest.find("$12\r\neviction-del\r\n:1700000000\r\n:2\r\n:2\r\n"), std::string::npos)
      << latest;
  std::string report = run({"latency", "doctor"});
  EXPECT_NE(report.find("- Sudden changes to the 'maxmemory' setting via 'CONFIG SET'"),
            std::string::npos)
      << report;
}

TEST_F(IntrospectionTest, LatencyHistogramIsCumulativeByPowersOfTwo) {
  run_for(66, {"set", "k", "v"});
  EXPECT_EQ(run({"latency", "histogram", "set", "nosuch"}),
            "*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n"
            "*2\r\n:66\r\n:1\r\n");
  run_for(3, {"config", "get", "maxmemory"});
  EXPECT_EQ(run({"latency", "histogram", "config"}),
            "*2\r\n$10\r\nconfig|get\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n"
            "*2\r\n:4\r\n:1\r\n");
  EXPECT_EQ(run({"latency", "histogram", "config|get"}).substr(0, 19), "*2\r\n$10\r\nconfig|get");
}

// --- INFO commandstats / errorstats / latencystats ---

TEST_F(IntrospectionTest, CommandstatsCountsCallsTimeFailuresAndRejections) {
  run_for(5, {"set", "k", "v"});
  run_for(6, {"set", "k", "v"});
  run({"lpush", "k", "x"});        // WRONGTYPE: a failed call
  run({"incr"});                   // wrong arity: rejected before it ran
  run({"config", "get", "port"});  // a subcommand
  run({"client", "nosuch"});       // an unknown subcommand: counted for nobody
  run({"slowlog"});                // a container without a subcommand: rejected
  run({"nosuch"});                 // an unknown command
  EXPECT_EQ(info("commandstats"),
            "cmdstat_set:calls=2,usec=11,usec_per_call=5.50,rejected_calls=0,failed_calls=0\r\n"
            "cmdstat_incr:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n"
            "cmdstat_lpush:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1\r\n"
            "cmdstat_slowlog:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n"
            "cmdstat_config|get:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,"
            "failed_calls=0\r\n");  // in command table order
  EXPECT_EQ(info("errorstats"), "errorstat_ERR:count=4\r\nerrorstat_WRONGTYPE:count=1\r\n");
  EXPECT_NE(info("stats").find("total_error_replies:5\r\n"), std::string::npos);
}

TEST_F(IntrospectionTest, CommandsInsideExecCountOnTheirOwn) {
  run({"multi"});
  run({"set", "k", "v"});
  run({"lpush", "k", "x"});
  run({"exec"});
  run({"multi"});
  run({"incr"});  // refused while queuing: EXEC aborts
  EXPECT_EQ(run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  std::string stats = info("commandstats");
  EXPECT_NE(stats.find("cmdstat_set:calls=1,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("cmdstat_lpush:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,"
                       "failed_calls=1"),
            std::string::npos);
  EXPECT_NE(stats.find("cmdstat_exec:calls=2,usec=0,usec_per_call=0.00,rejected_calls=0,"
                       "failed_calls=1"),
            std::string::npos);
  EXPECT_NE(stats.find("cmdstat_multi:calls=2,"), std::string::npos);
  EXPECT_EQ(
      info("errorstats"),
      "errorstat_ERR:count=1\r\nerrorstat_EXECABORT:count=1\r\nerrorstat_WRONGTYPE:count=1\r\n");
}

TEST_F(IntrospectionTest, LatencystatsReportsConfiguredPercentiles) {
  run_for(1, {"set", "k", "v"});
  run_for(3, {"get", "k"});
  run_for(3, {"get", "k"});
  EXPECT_EQ(info("latencystats"),
            "latency_percentiles_usec_get:p50=3.007,p99=3.007,p99.9=3.007\r\n"
            "latency_percentiles_usec_set:p50=1.003,p99=1.003,p99.9=1.003\r\n");
  run({"config", "set", "latency-tracking-info-percentiles", "0 50.5 100"});
  EXPECT_NE(info("latencystats")
                .find("latency_percentiles_usec_get:p0=3.007,p50.5=3.007,"
                      "p100=3.007\r\n"),
            std::string::npos);
  run({"config", "set", "latency-tracking", "no"});
  run_for(100, {"get", "k"});
  EXPECT_NE(info("latencystats").find("usec_get:p0=3.007,"), std::string::npos);
}

TEST_F(IntrospectionTest, ResetstatClearsCountsButNotTheLogs) {
  run({"config", "set", "slowlog-log-slower-than", "0", "latency-monitor-threshold", "1"});
  run_for(5'000, {"lpush", "l", "x"});
  run({"get", "l"});
  EXPECT_EQ(run({"config", "resetstat"}), "+OK\r\n");
  EXPECT_EQ(info("commandstats"),
            "cmdstat_config|resetstat:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,"
            "failed_calls=0\r\n");
  EXPECT_EQ(info("errorstats"), "");
  EXPECT_NE(info("stats").find("total_error_replies:0\r\n"), std::string::npos);
  EXPECT_EQ(info("latencystats").find("lpush"), std::string::npos);
  EXPECT_EQ(run({"slowlog", "len"}), ":8\r\n");
  EXPECT_EQ(run({"latency", "latest"}).substr(0, 4), "*1\r\n");
}

TEST_F(IntrospectionTest, CountsFromManyThreadsAddUp) {
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Session s;
      s.authenticated = true;
      for (int i = 0; i < kEach; ++i) run_as(s, {"lpush", "k", "x"});
      run_as(s, {"get", "k"});  // WRONGTYPE
    });
  }
  for (std::thread& t : threads) t.join();
  std::string stats = info("commandstats");
  EXPECT_NE(stats.find("cmdstat_lpush:calls=2000,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("cmdstat_get:calls=4,usec=0,usec_per_call=0.00,rejected_calls=0,"
                       "failed_calls=4"),
            std::string::npos);
  EXPECT_EQ(info("errorstats"), "errorstat_WRONGTYPE:count=4\r\n");
}

// --- INFO stats and sections ---

TEST_F(IntrospectionTest, InstantaneousOpsAveragesSixteenSamples) {
  run({"ping"});  // the first sample: the base
  for (int i = 0; i < 9; ++i) run({"ping"});
  fake_now_us += 100'000;  // one period later, 9 more commands: 90 per second in one sample
  EXPECT_NE(info("stats").find("instantaneous_ops_per_sec:5\r\n"), std::string::npos);  // 90/16
  fake_now_us += 1'600'000;  // an idle interval fills every sample (with the one INFO)
  EXPECT_NE(info("stats").find("instantaneous_ops_per_sec:0\r\n"), std::string::npos);
}

TEST_F(IntrospectionTest, InstantaneousKbpsAverageTheNetworkTotals) {
  run({"ping"});                                          // the first sample: the base
  instance_.stats().net_input_bytes.add(1024 * 16 * 10);  // 160 KiB in 100 ms: 1600 KiB/s
  instance_.stats().net_output_bytes.add(1024 * 8);       // 8 KiB in 100 ms: 80 KiB/s
  fake_now_us += 100'000;
  std::string stats = info("stats");
  EXPECT_NE(stats.find("instantaneous_input_kbps:100.00\r\ninstantaneous_output_kbps:5.00\r\n"),
            std::string::npos)
      << stats;
}

// The section names of an INFO reply, each followed by a space.
std::string headers(const std::string& reply) {
  std::string out;
  for (size_t at = reply.find("# "); at != std::string::npos; at = reply.find("\r\n# ", at)) {
    at += reply[at] == '#' ? 2 : 4;
    size_t end = reply.find("\r\n", at);
    out += reply.substr(at, end - at) + " ";
    at = end;
  }
  return out;
}

TEST_F(IntrospectionTest, InfoSectionsAsRedisGroupsThem) {
  const std::string kDefault =
      "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster "
      "Keyspace ";
  const std::string kAll =
      "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats "
      "Latencystats Cluster Keyspace ";
  run({"set", "k", "v"});
  EXPECT_EQ(headers(run({"info"})), kDefault);
  EXPECT_EQ(headers(run({"info", "default"})), kDefault);
  EXPECT_EQ(headers(run({"info", "all"})), kAll);
  EXPECT_EQ(headers(run({"info", "everything"})), kAll);
  EXPECT_EQ(headers(run({"info", "commandstats", "CPU"})), "CPU Commandstats ");
  EXPECT_EQ(headers(run({"info", "server", "clients"})), "Server Clients ");
  EXPECT_EQ(run({"info", "nosuch"}), "$0\r\n\r\n");
  EXPECT_EQ(run({"info", "cluster"}), "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
  EXPECT_EQ(run({"info", "modules"}), "$11\r\n# Modules\r\n\r\n");
}

// --- the histogram's arithmetic, against HdrHistogram's values in Redis ---

TEST(LatencyHistogramTest, BucketsMatchHdrHistogramWithTwoDigits) {
  EXPECT_EQ(histogram::highest_equivalent(1000), 1003);
  EXPECT_EQ(histogram::highest_equivalent(2000), 2007);
  EXPECT_EQ(histogram::highest_equivalent(3000), 3007);
  EXPECT_EQ(histogram::highest_equivalent(94'000), 94'207);
  EXPECT_EQ(histogram::highest_equivalent(100), 100);  // exact below 256
  for (int64_t v : {1, 255, 256, 1000, 65'536, 999'999'999}) {
    EXPECT_LE(histogram::value_at(histogram::index_of(v)), v);
    EXPECT_GE(histogram::highest_equivalent(histogram::value_at(histogram::index_of(v))), v);
  }
  EXPECT_EQ(histogram::index_of(LatencyHistogram::kMaxValue), LatencyHistogram::kCounters - 18);
}

TEST(LatencyHistogramTest, PercentilesAndCumulativeBuckets) {
  LatencyHistogram h;
  for (int i = 0; i < 99; ++i) h.record(16'000);
  h.record(118'000);
  std::vector<uint64_t> counts;
  h.add_to(counts);
  EXPECT_EQ(histogram::value_at_percentile(counts, 50), 16'063);
  EXPECT_EQ(histogram::value_at_percentile(counts, 99), 16'063);
  EXPECT_EQ(histogram::value_at_percentile(counts, 99.9), 118'271);
  EXPECT_EQ(histogram::cumulative_usec(counts),
            (std::vector<std::pair<int64_t, uint64_t>>{{16, 99}, {132, 100}}));
  h.clear();
  counts.clear();
  h.add_to(counts);
  EXPECT_EQ(histogram::value_at_percentile(counts, 50), 0);
}

}  // namespace
}  // namespace cachet::server
