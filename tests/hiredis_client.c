/* A small hiredis program used by the integration tests: binary-safe SET/GET, a 10,000-command
 * pipeline and an error reply, against the server at 127.0.0.1:PORT. Prints "ok" and exits 0 when
 * every reply is what Redis would send; otherwise prints what differed and exits 1. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what) {
  fprintf(stderr, "hiredis_client: %s\n", what);
  return 1;
}

static int check_binary_roundtrip(redisContext* c) {
  const char value[] = {'a', '\0', '\r', '\n', 'b'};
  redisReply* r = redisCommand(c, "SET %s %b", "hiredis:bin", value, sizeof(value));
  int ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
  freeReplyObject(r);
  if (!ok) return fail("SET of a binary value failed");
  r = redisCommand(c, "GET %s", "hiredis:bin");
  ok = r && r->type == REDIS_REPLY_STRING && r->len == sizeof(value) &&
       memcmp(r->str, value, sizeof(value)) == 0;
  freeReplyObject(r);
  return ok ? 0 : fail("GET did not return the binary value");
}

static int check_pipeline(redisContext* c, int n) {
  redisReply* r = redisCommand(c, "DEL %s", "hiredis:counter");
  freeReplyObject(r);
  for (int i = 0; i < n; ++i) redisAppendCommand(c, "INCR %s", "hiredis:counter");
  for (int i = 1; i <= n; ++i) {
    if (redisGetReply(c, (void**)&r) != REDIS_OK) return fail("pipeline read failed");
    int ok = r->type == REDIS_REPLY_INTEGER && r->integer == i;
    freeReplyObject(r);
    if (!ok) return fail("pipelined INCR replies out of order");
  }
  return 0;
}

static int check_error_reply(redisContext* c) {
  redisReply* r = redisCommand(c, "INCR %s", "hiredis:bin");
  int ok = r && r->type == REDIS_REPLY_ERROR &&
           strcmp(r->str, "ERR value is not an integer or out of range") == 0;
  freeReplyObject(r);
  return ok ? 0 : fail("INCR on a non-integer did not return Redis's error");
}

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: hiredis_client PORT");
  redisContext* c = redisConnect("127.0.0.1", atoi(argv[1]));
  if (c == NULL || c->err) return fail("cannot connect");
  int rc = check_binary_roundtrip(c) || check_pipeline(c, 10000) || check_error_reply(c);
  redisFree(c);
  if (rc == 0) printf("ok\n");
  return rc;
}
