#include "gateway/api.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "cachet/json/document.h"
#include "cachet/json/pointer.h"
#include "gateway/events.h"
#include "server/scripting.h"

namespace cachet::gateway {
namespace {

using Command = std::vector<std::string_view>;

std::string_view error_code(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 431:
      return "headers_too_large";
    case 501:
      return "not_implemented";
    case 409:
      return "wrong_type";
    case 503:
      return "unavailable";
    case 505:
      return "http_version_not_supported";
    default:
      return "error";
  }
}

void fail(http::Response& response, json::buffer& body, int status, std::string_view message) {
  response.status = status;
  body.clear();
  error_body(status, message, body);
}

// Whether every name and value of the query percent-decodes (RFC 3986).
bool query_well_formed(std::string_view query) {
  std::string scratch;
  for (size_t start = 0; start <= query.size();) {
    size_t amp = std::min(query.find('&', start), query.size());
    if (!percent_decode(query.substr(start, amp - start), scratch)) return false;
    start = amp + 1;
  }
  return true;
}

// The value of query parameter `name`, percent-decoded; false if absent (the query was checked
// by query_well_formed first).
bool query_param(std::string_view query, std::string_view name, std::string& out) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), out);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

// A strong validator for a stored value: FNV-1a 64 of its bytes, quoted.
std::string etag_of(std::string_view value) {
  uint64_t h = 0xcbf29ce484222325;
  for (unsigned char c : value) h = (h ^ c) * 0x100000001b3;
  char hex[17];
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, h >>= 4) hex[i] = kDigits[h & 0xF];
  return "\"" + std::string(hex, 16) + "\"";
}

// Whether If-None-Match `header` names `etag` (or is "*"); weak comparison (RFC 9110 13.1.2).
bool none_match(std::string_view header, std::string_view etag) {
  bool match = false;
  http::for_each_list_element(header, [&](std::string_view item) {
    if (item.starts_with("W/")) item.remove_prefix(2);
    match = match || item == "*" || item == etag;
  });
  return match;
}

// 400 for a request body that is not JSON, with the parser's position.
void invalid_json(const json::error& e, http::Response& response, json::buffer& body) {
  response.status = 400;
  body.clear();
  json::writer w(body);
  w.begin_object().key("error").begin_object().key("code").value("invalid_json");
  w.key("message").value("request body is not JSON: " + to_string(e));
  w.key("line").value(e.line).key("column").value(e.column).key("offset").value(e.offset);
  w.end_object().end_object();
}

// The length of the well-formed UTF-8 sequence at the front of `s` (RFC 3629: no overlongs,
// surrogates or code points past U+10FFFF), or 0.
size_t utf8_sequence(std::string_view s) {
  auto byte = [&](size_t i) { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; };
  uint8_t b0 = byte(0);
  if (b0 < 0x80) return 1;
  auto cont = [&](size_t i, uint8_t lo = 0x80, uint8_t hi = 0xBF) {
    return byte(i) >= lo && byte(i) <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// Writes a stored value: as JSON when it is JSON (anything PUT through the API), else as a JSON
// string (a value written over RESP), its invalid UTF-8 replaced; GET and batch alike.
void write_stored(json::writer& w, std::string_view stored) {
  if (json::parse(stored).ok()) {
    w.raw(stored);
  } else {
    w.value(valid_utf8(stored));
  }
}

constexpr size_t kMaxBatchCommands = 10000;
constexpr std::string_view kReservedMessage =
    "keys starting with __tag: are reserved for the tag index";

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    size_t n = utf8_sequence(s);
    out.append(n ? s.substr(0, n) : std::string_view("\xEF\xBF\xBD"));  // U+FFFD
    s.remove_prefix(n ? n : 1);
  }
  return out;
}

void error_body(int status, std::string_view message, json::buffer& body) {
  json::writer w(body);
  w.begin_object().key("error").begin_object();
  w.key("code").value(error_code(status)).key("message").value(valid_utf8(message));
  w.end_object().end_object();
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    unsigned value = 0;
    if (in.size() - i < 3) return false;
    auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    if (ec != std::errc() || p != in.data() + i + 3) return false;
    out += static_cast<char>(value);
    i += 2;
  }
  return true;
}

bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 != 0) return false;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    size_t pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=' && in[i + 3] == '=') : 0;
    uint32_t bits = 0;
    for (size_t j = 0; j < 4; ++j) {
      int v = j >= 4 - pad ? 0 : value(in[i + j]);
      if (v < 0) return false;
      bits = bits << 6 | static_cast<uint32_t>(v);
    }
    for (size_t j = 0; j < 3 - pad; ++j) out += static_cast<char>(bits >> (16 - 8 * j) & 0xff);
  }
  return true;
}

Api::Api(Backend* backend, const Authenticator* auth) : backend_(backend), auth_(auth) {
  router_.add("GET", "/json", Metrics::kJson);
  router_.add("GET", "/healthz", Metrics::kHealthz);
  router_.add("GET", "/readyz", Metrics::kReadyz);
  router_.add("GET", "/metrics", Metrics::kMetrics);
  router_.add("GET", "/openapi.json", Metrics::kOpenapi);
  router_.add("PUT", "/v1/kv/{key}", Metrics::kKvPut);
  router_.add("GET", "/v1/kv/{key}", Metrics::kKvGet);
  router_.add("DELETE", "/v1/kv/{key}", Metrics::kKvDelete);
  router_.add("POST", "/v1/batch", Metrics::kBatch);
  router_.add("POST", "/v1/invalidate", Metrics::kInvalidate);
  router_.add("GET", "/v1/events", Metrics::kEvents);
}

void Call::clear() {
  key.clear();
  pointer.clear();
  has_pointer = false;
  if_none_match.clear();
  args.clear();
  sets = gets = 0;
  commands.clear();
  purge = {};
  prefix.clear();
  last_event_id.clear();
  user = "default";
}

bool Api::answered(const Outcome& outcome, http::Response& response, json::buffer& body) const {
  auto failed = std::find_if(outcome.replies.begin(), outcome.replies.end(),
                             [](const auto& r) { return r.type == resp::Reply::Type::kError; });
  if (outcome.ok && failed == outcome.replies.end()) return true;
  if (outcome.ok && failed->text.starts_with("NOPERM")) {  // the ACL user may not do this
    fail(response, body, 403, failed->text);
    return false;
  }
  // A key holding a list, set or hash is the client's conflict, not the cache failing.
  if (outcome.ok && failed->text.starts_with("WRONGTYPE")) {
    fail(response, body, 409,
         "the key holds a value of another type (a list, set or hash), not a document");
    return false;
  }
  std::string error = outcome.ok ? "cache error: " + failed->text : outcome.error;
  metrics_.backend_error();
  fail(response, body, 503, error);
  return false;
}

bool Api::put(const http::Request& request, Call& call, http::Response& response,
              json::buffer& body) const {
  if (reserved_key(call.key)) return fail(response, body, 400, kReservedMessage), false;
  auto doc = json::parse(request.body);
  if (!doc) return invalid_json(doc.error(), response, body), false;
  std::string ttl_text;
  uint64_t ttl = 0;
  if (query_param(request.query, "ttl", ttl_text)) {
    auto [p, ec] = std::from_chars(ttl_text.data(), ttl_text.data() + ttl_text.size(), ttl);
    if (ec != std::errc() || p != ttl_text.data() + ttl_text.size() || ttl == 0 ||
        ttl > 100'000'000'000) {
      return fail(response, body, 400, "ttl must be a positive number of seconds"), false;
    }
  }
  json::buffer minified;
  (void)json::serialize(doc->root(), minified);
  std::string_view value = call.own(minified.view());
  Command& set = call.commands.emplace_back(Command{"SET", call.key, value});
  if (ttl > 0) set.insert(set.end(), {"EX", call.own(std::to_string(ttl))});
  std::string tags;
  return !query_param(request.query, "tags", tags) || tag(tags, value, ttl, call, response, body);
}

bool Api::tag(std::string_view tags, std::string_view value, uint64_t ttl, Call& call,
              http::Response& response, json::buffer& body) const {
  std::vector<std::string> names;
  std::string error;
  if (!parse_tags(tags, names, error)) return fail(response, body, 400, error), false;
  std::string_view version = call.own(server::sha1_hex(value));
  std::string_view ttl_ms = call.own(std::to_string(ttl * 1000));
  for (const std::string& name : names) {
    call.commands.push_back(
        {"EVAL", kTagScript, "1", call.own(tag_key(name)), call.key, version, ttl_ms});
  }
  return true;
}

bool Api::invalidate(const http::Request& request, Call& call, http::Response& response,
                     json::buffer& body) const {
  auto doc = json::parse(request.body);
  if (!doc) return invalid_json(doc.error(), response, body), false;
  json::element root = doc->root();
  if (!root.is_object()) return fail(response, body, 400, "the body must be an object"), false;
  PurgeSpec& spec = call.purge;
  spec.user = call.user;
  for (json::member m : root.object()) {
    if (m.key == "prefix") {
      auto prefix = m.value.get<std::string_view>();
      if (!prefix || prefix->empty()) {
        return fail(response, body, 400, "\"prefix\" must be a non-empty string"), false;
      }
      spec.prefix = *prefix;
      continue;
    }
    if (m.key != "tags" && m.key != "keys") {
      fail(response, body, 400, "unknown invalidate member \"" + std::string(m.key) + "\"");
      return false;
    }
    std::vector<std::string>& names = m.key == "tags" ? spec.tags : spec.keys;
    std::string what = "\"" + std::string(m.key) + "\" must be an array of non-empty strings";
    if (!m.value.is_array()) return fail(response, body, 400, what), false;
    for (json::element e : m.value.array()) {
      auto name = e.get<std::string_view>();
      if (!name || name->empty()) return fail(response, body, 400, what), false;
      names.emplace_back(*name);
    }
  }
  if (spec.tags.size() + spec.keys.size() > kMaxBatchCommands) {
    return fail(response, body, 413, "an invalidation names at most 10000 tags and keys"), false;
  }
  return true;
}

bool Api::get(const http::Request& request, Call& call) const {
  call.has_pointer = query_param(request.query, "pointer", call.pointer);
  call.if_none_match = request.header("if-none-match");
  call.commands = {{"GET", call.key}, {"PTTL", call.key}};
  return true;
}

void Api::answer_get(Call& call, std::vector<resp::Reply>& replies, http::Response& response,
                     json::buffer& body) const {
  if (replies[0].type != resp::Reply::Type::kBulk) {
    metrics_.miss();
    return fail(response, body, 404, "no such key: " + call.key);
  }
  metrics_.hit();
  const std::string& stored = replies[0].text;
  std::string etag = etag_of(call.has_pointer ? stored + '\0' + call.pointer : stored);
  response.headers.emplace_back("ETag", etag);
  if (replies[1].integer > 0) {
    response.headers.emplace_back("Cache-Control",
                                  "max-age=" + std::to_string(replies[1].integer / 1000));
  }
  if (none_match(call.if_none_match, etag)) {
    response.status = 304;
    return;
  }
  if (!call.has_pointer) {  // a value written over RESP that is not JSON: a JSON string, as batch
    json::writer w(body);
    write_stored(w, stored);
    return;
  }
  auto doc = json::parse(stored);
  if (!doc) return fail(response, body, 503, "stored value is not JSON");
  auto part = json::at_pointer(doc->root(), call.pointer);
  if (!part) {
    int status = part.kind() == json::error_kind::invalid_pointer ? 400 : 404;
    response.headers.clear();
    return fail(response, body, status, "pointer " + call.pointer + ": " + part.error().message);
  }
  (void)json::serialize(*part, body);
}

bool Api::batch(const http::Request& request, Call& call, http::Response& response,
                json::buffer& body) const {
  auto doc = json::parse(request.body);
  if (!doc) return invalid_json(doc.error(), response, body), false;
  json::element root = doc->root();
  if (!root.is_object()) return fail(response, body, 400, "batch body must be an object"), false;
  std::vector<Command> sets, gets, deletes;
  for (json::member m : root.object()) {
    bool is_set = m.key == "set";
    if (!is_set && m.key != "get" && m.key != "delete") {
      fail(response, body, 400, "unknown batch member \"" + std::string(m.key) + "\"");
      return false;
    }
    if (is_set) {
      if (!m.value.is_object())
        return fail(response, body, 400, "\"set\" must be an object"), false;
      for (json::member s : m.value.object()) {
        if (reserved_key(s.key)) return fail(response, body, 400, kReservedMessage), false;
        sets.push_back({"SET", call.own(s.key), call.own(json::to_string(s.value).value())});
      }
      continue;
    }
    if (!m.value.is_array()) {
      fail(response, body, 400, "\"" + std::string(m.key) + "\" must be an array");
      return false;
    }
    for (json::element k : m.value.array()) {
      auto key = k.get<std::string_view>();
      if (!key) return fail(response, body, 400, "batch keys must be strings"), false;
      if (m.key == "delete" && reserved_key(*key)) {
        return fail(response, body, 400, kReservedMessage), false;
      }
      (m.key == "get" ? gets : deletes).push_back({m.key == "get" ? "GET" : "DEL", call.own(*key)});
    }
  }
  if (sets.size() + gets.size() + deletes.size() > kMaxBatchCommands) {
    return fail(response, body, 413, "a batch holds at most 10000 operations"), false;
  }
  call.sets = sets.size();
  call.gets = gets.size();
  for (auto* part : {&sets, &gets, &deletes}) {
    call.commands.insert(call.commands.end(), part->begin(), part->end());
  }
  return true;
}

void Api::answer_batch(Call& call, std::vector<resp::Reply>& replies, json::buffer& body) const {
  json::writer w(body);
  w.begin_object().key("set").value(call.sets).key("get").begin_object();
  for (size_t i = call.sets; i < call.sets + call.gets; ++i) {
    const resp::Reply& r = replies[i];
    w.key(call.commands[i][1]);
    if (r.type == resp::Reply::Type::kBulk) {
      metrics_.hit();
      write_stored(w, r.text);
    } else {
      metrics_.miss();
      w.null();
    }
  }
  int64_t deleted = 0;
  for (size_t i = call.sets + call.gets; i < call.commands.size(); ++i) {
    deleted += replies[i].integer;
  }
  w.end_object().key("deleted").value(deleted).end_object();
}

namespace {

// Responses without content (204, 304) carry no body.
void seal(http::Response& response, json::buffer& body) {
  if (response.status != 204 && response.status != 304) response.body = body.view();
}

}  // namespace

bool Api::refuses(std::string_view peer, http::Response& response, json::buffer& body) const {
  if (auth_ == nullptr || !auth_->refuses(peer)) return false;
  fail(response, body, 403,
       "protected mode is enabled and no password is set: only loopback clients are served");
  seal(response, body);
  return true;
}

bool Api::authorized(const http::Request& request, std::string& user, http::Response& response,
                     json::buffer& body) const {
  if (auth_ == nullptr || !auth_->required()) return true;
  std::string_view credentials = request.header("authorization");
  size_t space = credentials.find(' ');
  std::string_view scheme = credentials.substr(0, space);
  std::string_view token =
      space == std::string_view::npos ? std::string_view() : credentials.substr(space + 1);
  std::string decoded;
  bool ok = false;
  if (http::iequals(scheme, "bearer")) {
    ok = auth_->check("default", token);
    user = "default";
  } else if (http::iequals(scheme, "basic") && base64_decode(token, decoded)) {
    size_t colon = decoded.find(':');
    ok = colon != std::string::npos && auth_->check(std::string_view(decoded).substr(0, colon),
                                                    std::string_view(decoded).substr(colon + 1));
    user = decoded.substr(0, colon);
  }
  if (ok) return true;
  fail(response, body, 401,
       credentials.empty() ? "authentication required" : "invalid username-password pair");
  response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"cachet\", charset=\"UTF-8\"");
  return false;
}

Api::Next Api::route(const http::Request& request, Call& call, http::Response& response,
                     json::buffer& body) const {
  constexpr Next kRespond = Next::kRespond;
  auto status = [&](std::string_view text) {
    json::writer(body).begin_object().key("status").value(text).end_object();
    return kRespond;
  };
  auto run_if = [](bool ok) { return ok ? Next::kRun : kRespond; };
  bool uses_backend = call.route >= Metrics::kKvPut && call.route <= Metrics::kEvents;
  if (uses_backend && backend_ == nullptr) {
    return fail(response, body, 503, "no cache backend is configured"), kRespond;
  }
  switch (call.route) {
    case Metrics::kJson:  // built per request, as the TechEmpower JSON test requires
      json::writer(body).begin_object().key("message").value("Hello, World!").end_object();
      return kRespond;
    case Metrics::kHealthz:
      return status("ok");
    case Metrics::kReadyz:
      if (backend_ == nullptr || !backend_->ready()) {
        return fail(response, body, 503, "cache backend not ready"), kRespond;
      }
      return status("ready");
    case Metrics::kMetrics: {
      std::string text;
      metrics_.render(text);
      body.append(text);
      response.content_type = "text/plain; version=0.0.4";
      return kRespond;
    }
    case Metrics::kOpenapi:
      body.append(openapi_document());
      return kRespond;
    case Metrics::kKvPut:
      return run_if(put(request, call, response, body));
    case Metrics::kKvGet:
      return run_if(get(request, call));
    case Metrics::kKvDelete:
      if (reserved_key(call.key)) return fail(response, body, 400, kReservedMessage), kRespond;
      call.commands = {{"DEL", call.key}};
      return Next::kRun;
    case Metrics::kInvalidate:
      return invalidate(request, call, response, body) ? Next::kPurge : kRespond;
    case Metrics::kEvents:
      return stream(request, call, response, body);
    default:
      if (!batch(request, call, response, body)) return kRespond;
      if (!call.commands.empty()) return Next::kRun;
      std::vector<resp::Reply> none;
      answer_batch(call, none, body);
      return kRespond;
  }
}

Api::Next Api::stream(const http::Request& request, Call& call, http::Response& response,
                      json::buffer& body) const {
  if (events() == nullptr) {
    fail(response, body, 501, "this cache backend does not stream its key changes");
    return Next::kRespond;
  }
  query_param(request.query, "prefix", call.prefix);
  call.last_event_id = request.header("last-event-id");
  return Next::kStream;
}

Api::Next Api::start(const http::Request& request, Call& call, http::Response& response,
                     json::buffer& body) const {
  call.clear();
  call.start = std::chrono::steady_clock::now();
  http::Router::Match m = router_.match(request.method, request.path);
  call.route = static_cast<Metrics::Route>(m.id);
  Next next = Next::kRespond;
  if (m.kind == http::Router::Match::kNotFound) {
    call.route = Metrics::kUnrouted;
    fail(response, body, 404, "no route for " + std::string(request.path));
  } else if (m.kind == http::Router::Match::kMethodNotAllowed) {
    call.route = Metrics::kUnrouted;
    fail(response, body, 405,
         std::string(request.method) + " is not allowed here; allowed: " + m.allow);
    response.headers.emplace_back("Allow", m.allow);
  } else if (call.route != Metrics::kHealthz && !authorized(request, call.user, response, body)) {
    // 401 filled in
  } else if (!m.params.empty() && !percent_decode(m.params[0], call.key)) {
    fail(response, body, 400, "malformed percent-encoding in the key");
  } else if (!query_well_formed(request.query)) {
    fail(response, body, 400, "malformed percent-encoding in the query");
  } else {
    next = route(request, call, response, body);
  }
  seal(response, body);
  return next;
}

void Api::finish(Call& call, Outcome& outcome, http::Response& response, json::buffer& body) const {
  if (answered(outcome, response, body)) {
    switch (call.route) {
      case Metrics::kKvPut:
        response.status = 204;
        break;
      case Metrics::kKvGet:
        answer_get(call, outcome.replies, response, body);
        break;
      case Metrics::kKvDelete:
        if (outcome.replies[0].integer == 0) {
          fail(response, body, 404, "no such key: " + call.key);
        } else {
          response.status = 204;
        }
        break;
      case Metrics::kInvalidate:
        json::writer(body)
            .begin_object()
            .key("deleted")
            .value(outcome.replies[0].integer)
            .end_object();
        break;
      default:
        answer_batch(call, outcome.replies, body);
    }
  }
  seal(response, body);
}

}  // namespace cachet::gateway
