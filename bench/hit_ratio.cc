// Replays a seeded read-through cache trace against a Redis-protocol server and prints its hit
// ratio: for each request GET the key; on a miss SET it (what a read-through client does).
// Requests go in pipelined batches of 256 GETs, then the SETs for that batch's misses.
//
// Usage: hit_ratio PORT TRACE SEED REQUESTS KEYSPACE VALUE_BYTES
//   TRACE: zipf:S (Zipf with exponent S over KEYSPACE keys) or scan:S (70% zipf:S requests,
//   30% in sequential scans of 5,000 keys that are never reused).
// Prints: "requests=N hits=H misses=M hit_ratio=R".
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

class Trace {
 public:
  Trace(const std::string& kind, uint64_t seed, uint64_t keyspace) : random_(seed) {
    auto colon = kind.find(':');
    scans_ = kind.substr(0, colon) == "scan";
    double s = std::stod(kind.substr(colon + 1));
    cdf_.resize(keyspace);
    double sum = 0;
    for (uint64_t k = 0; k < keyspace; ++k) cdf_[k] = sum += 1.0 / std::pow(k + 1.0, s);
    for (double& c : cdf_) c /= sum;
    keyspace_ = keyspace;
  }

  // The next key id. Zipf ranks are scattered over the id space so hot keys are not adjacent.
  uint64_t next() {
    if (scan_left_ > 0) {
      --scan_left_;
      return keyspace_ + scan_next_++;
    }
    if (scans_ && std::uniform_real_distribution<>(0, 1)(random_) < 0.3 / kScanLength) {
      scan_left_ = kScanLength - 1;
      return keyspace_ + scan_next_++;
    }
    double u = std::uniform_real_distribution<>(0, 1)(random_);
    uint64_t rank = std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
    return (std::min<uint64_t>(rank, keyspace_ - 1) * 2654435761u) % keyspace_;
  }

 private:
  static constexpr uint64_t kScanLength = 5000;
  std::mt19937_64 random_;
  std::vector<double> cdf_;
  uint64_t keyspace_ = 0;
  bool scans_ = false;
  uint64_t scan_left_ = 0, scan_next_ = 0;
};

bool reply_ok(redisContext* c, redisReply** r) {
  return redisGetReply(c, reinterpret_cast<void**>(r)) == REDIS_OK && *r != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: hit_ratio PORT TRACE SEED REQUESTS KEYSPACE VALUE_BYTES\n");
    return 2;
  }
  redisContext* c = redisConnect("127.0.0.1", std::atoi(argv[1]));
  if (c == nullptr || c->err) return std::fprintf(stderr, "cannot connect\n"), 2;
  Trace trace(argv[2], std::strtoull(argv[3], nullptr, 10), std::strtoull(argv[5], nullptr, 10));
  uint64_t requests = std::strtoull(argv[4], nullptr, 10), hits = 0, errors = 0;
  std::string value(std::strtoull(argv[6], nullptr, 10), 'v');
  std::vector<std::string> batch, missed;
  for (uint64_t done = 0; done < requests;) {
    batch.clear();
    missed.clear();
    for (; batch.size() < 256 && done < requests; ++done) {
      batch.push_back("key:" + std::to_string(trace.next()));
      redisAppendCommand(c, "GET %b", batch.back().data(), batch.back().size());
    }
    for (const std::string& key : batch) {
      redisReply* r = nullptr;
      if (!reply_ok(c, &r)) return std::fprintf(stderr, "connection lost\n"), 2;
      if (r->type == REDIS_REPLY_STRING) {
        ++hits;
      } else {
        missed.push_back(key);
      }
      freeReplyObject(r);
    }
    for (const std::string& key : missed) {
      redisAppendCommand(c, "SET %b %b", key.data(), key.size(), value.data(), value.size());
    }
    for (size_t i = 0; i < missed.size(); ++i) {
      redisReply* r = nullptr;
      if (!reply_ok(c, &r)) return std::fprintf(stderr, "connection lost\n"), 2;
      errors += r->type == REDIS_REPLY_ERROR;
      freeReplyObject(r);
    }
  }
  std::printf("requests=%llu hits=%llu misses=%llu hit_ratio=%.4f set_errors=%llu\n",
              static_cast<unsigned long long>(requests), static_cast<unsigned long long>(hits),
              static_cast<unsigned long long>(requests - hits),
              static_cast<double>(hits) / static_cast<double>(requests),
              static_cast<unsigned long long>(errors));
  redisFree(c);
  return 0;
}
