#include "gateway/api.h"

#include <charconv>
#include <string>

#include "cachet/json/document.h"
#include "cachet/json/pointer.h"

namespace cachet::gateway {
namespace {

using Command = std::vector<std::string_view>;

std::string_view error_code(int status) {
  switch (status) {
    case 400:
      return "bad_request";
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

// The value of query parameter `name`, percent-decoded; false if absent or malformed.
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

// Writes a stored value: as JSON when it is JSON (anything PUT through the API), else as a string
// (a value written over RESP).
void write_stored(json::writer& w, std::string_view stored) {
  if (json::parse(stored).ok()) {
    w.raw(stored);
  } else {
    w.value(stored);
  }
}

constexpr size_t kMaxBatchCommands = 10000;

}  // namespace

void error_body(int status, std::string_view message, json::buffer& body) {
  json::writer w(body);
  w.begin_object().key("error").begin_object();
  w.key("code").value(error_code(status)).key("message").value(message);
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

Api::Api(Backend* backend) : backend_(backend) {
  router_.add("GET", "/json", Metrics::kJson);
  router_.add("GET", "/healthz", Metrics::kHealthz);
  router_.add("GET", "/readyz", Metrics::kReadyz);
  router_.add("GET", "/metrics", Metrics::kMetrics);
  router_.add("GET", "/openapi.json", Metrics::kOpenapi);
  router_.add("PUT", "/v1/kv/{key}", Metrics::kKvPut);
  router_.add("GET", "/v1/kv/{key}", Metrics::kKvGet);
  router_.add("DELETE", "/v1/kv/{key}", Metrics::kKvDelete);
  router_.add("POST", "/v1/batch", Metrics::kBatch);
}

bool Api::run(std::span<const std::vector<std::string_view>> commands,
              std::vector<resp::Reply>& replies, http::Response& response,
              json::buffer& body) const {
  std::string error;
  if (backend_ == nullptr) {
    error = "no cache backend is configured";
  } else if (backend_->run(commands, replies, error)) {
    for (const resp::Reply& r : replies) {
      if (r.type == resp::Reply::Type::kError) {
        error = "cache error: " + r.text;
        break;
      }
    }
    if (error.empty()) return true;
  }
  metrics_.backend_error();
  fail(response, body, 503, error);
  return false;
}

void Api::put(const http::Request& request, std::string_view key, http::Response& response,
              json::buffer& body) const {
  auto doc = json::parse(request.body);
  if (!doc) return invalid_json(doc.error(), response, body);
  std::string ttl_text;
  uint64_t ttl = 0;
  if (query_param(request.query, "ttl", ttl_text)) {
    auto [p, ec] = std::from_chars(ttl_text.data(), ttl_text.data() + ttl_text.size(), ttl);
    if (ec != std::errc() || p != ttl_text.data() + ttl_text.size() || ttl == 0 ||
        ttl > 100'000'000'000) {
      return fail(response, body, 400, "ttl must be a positive number of seconds");
    }
  }
  json::buffer minified;
  (void)json::serialize(doc->root(), minified);
  std::string ttl_arg = std::to_string(ttl);
  Command set = {"SET", key, minified.view()};
  if (ttl > 0) set.insert(set.end(), {"EX", ttl_arg});
  std::vector<resp::Reply> replies;
  if (!run(std::span(&set, 1), replies, response, body)) return;
  response.status = 204;
}

void Api::get(const http::Request& request, std::string_view key, http::Response& response,
              json::buffer& body) const {
  const Command commands[] = {{"GET", key}, {"PTTL", key}};
  std::vector<resp::Reply> replies;
  if (!run(commands, replies, response, body)) return;
  if (replies[0].type != resp::Reply::Type::kBulk) {
    metrics_.miss();
    return fail(response, body, 404, "no such key: " + std::string(key));
  }
  metrics_.hit();
  const std::string& stored = replies[0].text;
  std::string pointer;
  bool has_pointer = query_param(request.query, "pointer", pointer);
  std::string etag = etag_of(has_pointer ? stored + '\0' + pointer : stored);
  response.headers.emplace_back("ETag", etag);
  if (replies[1].integer > 0) {
    response.headers.emplace_back("Cache-Control",
                                  "max-age=" + std::to_string(replies[1].integer / 1000));
  }
  if (none_match(request.header("if-none-match"), etag)) {
    response.status = 304;
    return;
  }
  if (!has_pointer) {
    body.append(stored);
    return;
  }
  auto doc = json::parse(stored);
  if (!doc) return fail(response, body, 503, "stored value is not JSON");
  auto part = json::at_pointer(doc->root(), pointer);
  if (!part) {
    int status = part.kind() == json::error_kind::invalid_pointer ? 400 : 404;
    response.headers.clear();
    return fail(response, body, status, "pointer " + pointer + ": " + part.error().message);
  }
  (void)json::serialize(*part, body);
}

void Api::remove(std::string_view key, http::Response& response, json::buffer& body) const {
  const Command del = {"DEL", key};
  std::vector<resp::Reply> replies;
  if (!run(std::span(&del, 1), replies, response, body)) return;
  if (replies[0].integer == 0) return fail(response, body, 404, "no such key: " + std::string(key));
  response.status = 204;
}

void Api::batch(const http::Request& request, http::Response& response, json::buffer& body) const {
  auto doc = json::parse(request.body);
  if (!doc) return invalid_json(doc.error(), response, body);
  json::element root = doc->root();
  if (!root.is_object()) return fail(response, body, 400, "batch body must be an object");
  std::vector<std::string_view> gets, deletes;
  std::vector<std::pair<std::string_view, std::string>> sets;
  for (json::member m : root.object()) {
    bool is_set = m.key == "set";
    if (!is_set && m.key != "get" && m.key != "delete") {
      return fail(response, body, 400, "unknown batch member \"" + std::string(m.key) + "\"");
    }
    if (is_set) {
      if (!m.value.is_object()) return fail(response, body, 400, "\"set\" must be an object");
      for (json::member s : m.value.object()) {
        sets.emplace_back(s.key, json::to_string(s.value).value());
      }
      continue;
    }
    if (!m.value.is_array())
      return fail(response, body, 400, "\"" + std::string(m.key) + "\" must be an array");
    for (json::element k : m.value.array()) {
      auto key = k.get<std::string_view>();
      if (!key) return fail(response, body, 400, "batch keys must be strings");
      (m.key == "get" ? gets : deletes).push_back(*key);
    }
  }
  if (sets.size() + gets.size() + deletes.size() > kMaxBatchCommands) {
    return fail(response, body, 413, "a batch holds at most 10000 operations");
  }
  std::vector<Command> commands;
  for (const auto& [k, v] : sets) commands.push_back({"SET", k, v});
  for (std::string_view k : gets) commands.push_back({"GET", k});
  for (std::string_view k : deletes) commands.push_back({"DEL", k});
  std::vector<resp::Reply> replies;
  if (!commands.empty() && !run(commands, replies, response, body)) return;
  json::writer w(body);
  w.begin_object().key("set").value(sets.size()).key("get").begin_object();
  for (size_t i = 0; i < gets.size(); ++i) {
    const resp::Reply& r = replies[sets.size() + i];
    w.key(gets[i]);
    if (r.type == resp::Reply::Type::kBulk) {
      metrics_.hit();
      write_stored(w, r.text);
    } else {
      metrics_.miss();
      w.null();
    }
  }
  int64_t deleted = 0;
  for (size_t i = 0; i < deletes.size(); ++i)
    deleted += replies[sets.size() + gets.size() + i].integer;
  w.end_object().key("deleted").value(deleted).end_object();
}

void Api::route(Metrics::Route id, const http::Request& request, std::string_view key,
                http::Response& response, json::buffer& body) const {
  auto status = [&](std::string_view text) {
    json::writer(body).begin_object().key("status").value(text).end_object();
  };
  switch (id) {
    case Metrics::kJson:  // built per request, as the TechEmpower JSON test requires
      json::writer(body).begin_object().key("message").value("Hello, World!").end_object();
      return;
    case Metrics::kHealthz:
      return status("ok");
    case Metrics::kReadyz:
      if (backend_ == nullptr || !backend_->ready()) {
        return fail(response, body, 503, "cache backend not ready");
      }
      return status("ready");
    case Metrics::kMetrics: {
      std::string text;
      metrics_.render(text);
      body.append(text);
      response.content_type = "text/plain; version=0.0.4";
      return;
    }
    case Metrics::kOpenapi:
      body.append(openapi_document());
      return;
    case Metrics::kKvPut:
      return put(request, key, response, body);
    case Metrics::kKvGet:
      return get(request, key, response, body);
    case Metrics::kKvDelete:
      return remove(key, response, body);
    default:
      return batch(request, response, body);
  }
}

Metrics::Route Api::handle(const http::Request& request, http::Response& response,
                           json::buffer& body) const {
  http::Router::Match m = router_.match(request.method, request.path);
  auto id = static_cast<Metrics::Route>(m.id);
  std::string key;
  if (m.kind == http::Router::Match::kNotFound) {
    id = Metrics::kUnrouted;
    fail(response, body, 404, "no route for " + std::string(request.path));
  } else if (m.kind == http::Router::Match::kMethodNotAllowed) {
    id = Metrics::kUnrouted;
    fail(response, body, 405,
         std::string(request.method) + " is not allowed here; allowed: " + m.allow);
    response.headers.emplace_back("Allow", m.allow);
  } else if (!m.params.empty() && !percent_decode(m.params[0], key)) {
    fail(response, body, 400, "malformed percent-encoding in the key");
  } else {
    route(id, request, key, response, body);
  }
  if (response.status != 204 && response.status != 304) response.body = body.view();
  return id;
}

}  // namespace cachet::gateway
