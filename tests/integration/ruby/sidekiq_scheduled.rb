# Sidekiq (Debian's ruby-sidekiq 6.4) moving due scheduled and retry jobs to their queue against
# the server on 127.0.0.1:ARGV[0]: Sidekiq::Scheduled::Enq pops each due job with a Lua script
# (ZRANGEBYSCORE + ZREM) run by EVALSHA, loaded with SCRIPT LOAD first and again after NOSCRIPT.
# Prints one JSON line [label, value] per step; test_framework_locks.py checks them.
require "json"
require "logger"
require "sidekiq"
require "sidekiq/api"
require "sidekiq/scheduled"

port = Integer(ARGV.fetch(0))
Sidekiq.configure_client { |config| config.redis = { url: "redis://127.0.0.1:#{port}/0" } }
Sidekiq.logger.level = Logger::WARN
Redis.silence_deprecations = true # redis-rb 4.8 warns of its 5.0 API on Sidekiq's SADD

# A job class; nothing runs it here, Sidekiq only needs its name for the queue it belongs to.
class ReportWorker
  include Sidekiq::Worker

  def perform(number, tag) end
end

def show(label, value)
  puts JSON.generate([label, value])
end

def sizes
  Sidekiq.redis do |conn|
    { "schedule" => conn.zcard("schedule"), "retry" => conn.zcard("retry"),
      "queue" => conn.llen("queue:default") }
  end
end

# Pushes a ReportWorker job due at epoch seconds `at` (in the past: due now) to the schedule set.
def schedule_at(at, *args)
  Sidekiq::Client.push("class" => ReportWorker, "args" => args, "at" => at)
end

now = Time.now.to_f
schedule_at(now - 3600, 1, "past")
schedule_at(now - 60, 2, "past")
ReportWorker.perform_at(Time.now + 50 * 365 * 86_400, 3, "future")
retry_job = { "class" => "ReportWorker", "queue" => "default", "args" => [4, "retry"],
              "jid" => "0123456789abcdef01234567", "retry_count" => 1 }
Sidekiq.redis { |conn| conn.zadd("retry", now - 10, JSON.generate(retry_job)) }
show("scheduled", sizes)

enq = Sidekiq::Scheduled::Enq.new
enq.enqueue_jobs
show("enqueued", sizes)
queued = Sidekiq.redis { |conn| conn.lrange("queue:default", 0, -1) }
show("queued args", queued.map { |job| JSON.parse(job)["args"] }.sort_by(&:first))

schedule_at(now - 1, 5, "past")
Sidekiq.redis { |conn| conn.script(:flush) }
enq.enqueue_jobs # its cached SHA1 is gone: NOSCRIPT, SCRIPT LOAD, EVALSHA again
show("after script flush", sizes)
show("still scheduled", Sidekiq::ScheduledSet.new.map(&:args))
