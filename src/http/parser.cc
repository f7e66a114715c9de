#include "http/parser.h"

#include <algorithm>
#include <charconv>

namespace cachet::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// tchar (RFC 9110 5.6.2).
constexpr auto kTokenChars = [] {
  struct table {
    bool t[256];
  } t{};
  for (int c = '0'; c <= '9'; ++c) t.t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t.t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t.t[c] = true;
  for (unsigned char c : std::string_view("!#$%&'*+-.^_`|~")) t.t[c] = true;
  return t;
}();

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!kTokenChars.t[c]) return false;
  }
  return true;
}

// field-value bytes: HTAB, SP, visible ASCII, obs-text.
bool is_field_value(std::string_view s) {
  for (unsigned char c : s) {
    if (c != '\t' && (c < 0x20 || c == 0x7F)) return false;
  }
  return true;
}

// Offset of the first CR not followed by LF or LF not preceded by CR in `s`, or npos. A CR as
// the last byte may still get its LF, so it is not counted.
size_t find_bare_cr_or_lf(std::string_view s) {
  for (size_t i = s.find_first_of("\r\n"); i != std::string_view::npos;
       i = s.find_first_of("\r\n", i + 1)) {
    if (s[i] == '\n') return i;
    if (i + 1 == s.size()) return std::string_view::npos;
    if (s[i + 1] != '\n') return i;
    ++i;  // past the LF of this CRLF
  }
  return std::string_view::npos;
}

// Chunk extensions (`;name=value` after a chunk size) are ignored, but count against this
// per-message budget, so tiny chunks with long extensions cannot make a request's raw bytes far
// larger than its body.
constexpr size_t kMaxExtensionBytes = 4096;
constexpr size_t kMaxSizeLine = 1024;

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view Request::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

void Parser::reset() {
  request_ = Request();
  consumed_ = 0;
  head_size_ = 0;
  chunked_ = false;
  content_length_ = 0;
  chunk_pos_ = 0;
  extension_bytes_ = 0;
}

ParseStatus Parser::fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return ParseStatus::kError;
}

ParseStatus Parser::parse(std::string_view input) {
  if (consumed_ != 0) reset();  // the previous call completed a request
  // The head is parsed again on every call (at most 16 KB) so its views point into the current
  // input even if the caller's buffer moved; body progress is kept as offsets and owned bytes.
  ParseStatus s = parse_head(input);
  if (s != ParseStatus::kComplete) return s;
  return parse_body(input);
}

ParseStatus Parser::parse_head(std::string_view input) {
  size_t line_end = input.find(kCrlf);
  if (line_end == std::string_view::npos && input.size() > limits_.max_target + 32) {
    return fail(414, "request-target too long");
  }
  size_t end = input.find("\r\n\r\n");
  std::string_view arrived =
      input.substr(0, end == std::string_view::npos ? input.size() : end + 4);
  if (find_bare_cr_or_lf(arrived.substr(0, limits_.max_header_bytes + 4)) !=
      std::string_view::npos) {
    return fail(400, "bare CR or LF in the request head");
  }
  if (end == std::string_view::npos) {
    // The head will be at least one byte longer than what has arrived.
    if (input.size() + 1 > limits_.max_header_bytes + 4)
      return fail(431, "request header fields too large");
    return ParseStatus::kIncomplete;
  }
  if (end + 4 > limits_.max_header_bytes + 4) return fail(431, "request header fields too large");
  std::string_view head = input.substr(0, end + 2);  // every line with its CRLF
  request_.headers.clear();
  request_.host = {};
  request_.expect_continue = false;
  for (bool first = true; !head.empty(); first = false) {
    size_t eol = head.find(kCrlf);
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    ParseStatus s = first ? parse_request_line(line) : parse_header_line(line);
    if (s != ParseStatus::kComplete) return s;
  }
  ParseStatus s = check_framing();
  if (s != ParseStatus::kComplete) return s;
  if (head_size_ == 0) chunk_pos_ = end + 4;
  head_size_ = end + 4;
  return ParseStatus::kComplete;
}

ParseStatus Parser::parse_request_line(std::string_view line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return fail(400, "malformed request line");
  }
  request_.method = line.substr(0, sp1);
  request_.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(request_.method)) return fail(400, "malformed method");
  if (request_.target.size() > limits_.max_target) return fail(414, "request-target too long");
  bool origin_form = !request_.target.empty() && request_.target[0] == '/';
  if (!origin_form && !(request_.target == "*" && request_.method == "OPTIONS")) {
    return fail(400, "request-target must be an absolute path");
  }
  for (unsigned char c : request_.target) {
    if (c <= 0x20 || c >= 0x7F) return fail(400, "invalid character in request-target");
  }
  if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return fail(400, "malformed HTTP version");
  }
  if (version[5] != '1') return fail(505, "HTTP version not supported");
  request_.minor_version = version[7] - '0';
  request_.keep_alive = request_.minor_version >= 1;
  size_t q = request_.target.find('?');
  request_.path = request_.target.substr(0, q);
  request_.query = q == std::string_view::npos ? std::string_view() : request_.target.substr(q + 1);
  return ParseStatus::kComplete;
}

ParseStatus Parser::parse_header_line(std::string_view line) {
  Header h;
  ParseStatus s = parse_field_line(line, h);
  if (s != ParseStatus::kComplete) return s;
  if (request_.headers.size() == limits_.max_headers) return fail(431, "too many header fields");
  request_.headers.push_back(h);
  return ParseStatus::kComplete;
}

ParseStatus Parser::parse_field_line(std::string_view line, Header& h) {
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    return fail(400, "obsolete line folding is not allowed");
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return fail(400, "header field without a colon");
  std::string_view name = line.substr(0, colon);
  if (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
    return fail(400, "whitespace before a header field's colon");
  }
  if (!is_token(name)) return fail(400, "malformed header field name");
  std::string_view value = trim_whitespace(line.substr(colon + 1));
  if (!is_field_value(value)) return fail(400, "invalid character in header field value");
  h = {name, value};
  return ParseStatus::kComplete;
}

// Message framing and the headers with protocol meaning (RFC 9112 6, 9.3; RFC 9110 7.2, 10.1.1).
ParseStatus Parser::check_framing() {
  int hosts = 0, lengths = 0;
  bool has_te = false;
  std::string_view length;
  std::vector<std::string_view> codings;
  for (const Header& h : request_.headers) {
    if (iequals(h.name, "host")) {
      ++hosts;
      request_.host = h.value;
    } else if (iequals(h.name, "content-length")) {
      ++lengths;
      length = h.value;
    } else if (iequals(h.name, "transfer-encoding")) {
      has_te = true;
      for_each_list_element(h.value, [&](std::string_view c) { codings.push_back(c); });
    } else if (iequals(h.name, "connection")) {
      for_each_list_element(h.value, [&](std::string_view option) {
        if (iequals(option, "close")) request_.keep_alive = false;
        if (iequals(option, "keep-alive") && request_.minor_version == 0)
          request_.keep_alive = true;
      });
    } else if (iequals(h.name, "expect")) {
      request_.expect_continue = iequals(h.value, "100-continue");
    }
  }
  if (hosts > 1 || (hosts == 0 && request_.minor_version >= 1)) {
    return fail(400, hosts ? "more than one Host header" : "missing Host header");
  }
  if (has_te && lengths > 0) return fail(400, "both Content-Length and Transfer-Encoding");
  if (lengths > 1) return fail(400, "more than one Content-Length");
  if (has_te) {
    if (request_.minor_version == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (codings.empty() || !iequals(codings.back(), "chunked")) {
      return fail(400, "the last transfer coding must be chunked");
    }
    if (codings.size() > 1) return fail(501, "transfer coding not implemented");
    chunked_ = true;
  }
  if (lengths == 1) {
    auto [p, ec] = std::from_chars(length.data(), length.data() + length.size(), content_length_);
    if (length.empty() || p != length.data() + length.size() || ec != std::errc()) {
      return fail(400, "malformed Content-Length");
    }
    if (content_length_ > limits_.max_body) return fail(413, "request body too large");
  }
  return ParseStatus::kComplete;
}

ParseStatus Parser::parse_body(std::string_view input) {
  if (chunked_) return parse_chunked(input);
  if (input.size() - head_size_ < content_length_) return ParseStatus::kIncomplete;
  request_.body.assign(input.substr(head_size_, content_length_));
  consumed_ = head_size_ + content_length_;
  return ParseStatus::kComplete;
}

// chunked-body = *chunk last-chunk trailer-section CRLF (RFC 9112 7.1). Decoded chunks are kept
// between calls; chunk_pos_ is where the next chunk-size line starts. Every limit is checked on
// what has arrived, so the answer never depends on how the bytes were split into reads.
ParseStatus Parser::parse_chunked(std::string_view input) {
  for (;;) {
    std::string_view rest = input.substr(chunk_pos_);
    size_t eol = rest.find(kCrlf);
    std::string_view line = rest.substr(0, eol == std::string_view::npos ? rest.size() : eol);
    if (find_bare_cr_or_lf(line) != std::string_view::npos) {
      return fail(400, "bare CR or LF in a chunk size line");
    }
    if (eol == std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
    if (line.size() > kMaxSizeLine) return fail(400, "chunk size line too long");
    size_t semicolon = std::min(line.find(';'), line.size());
    size_t extension = line.size() - semicolon;
    if (extension_bytes_ + extension > kMaxExtensionBytes) {
      return fail(400, "chunk extensions too large");
    }
    if (eol == std::string_view::npos) return ParseStatus::kIncomplete;
    std::string_view size_text = line.substr(0, semicolon);
    uint64_t size = 0;
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || p != size_text.data() + size_text.size() || ec != std::errc() ||
        !is_field_value(line.substr(semicolon))) {
      return fail(
          ec == std::errc::result_out_of_range ? 413 : 400,
          ec == std::errc::result_out_of_range ? "request body too large" : "bad chunk size");
    }
    if (size > limits_.max_body - request_.body.size()) return fail(413, "request body too large");
    if (size == 0) return parse_trailers(input, chunk_pos_ + eol + 2);
    if (rest.size() - eol - 2 < size + 2) return ParseStatus::kIncomplete;
    if (rest.substr(eol + 2 + size, 2) != kCrlf)
      return fail(400, "chunk data not followed by CRLF");
    request_.body.append(rest.substr(eol + 2, size));
    chunk_pos_ += eol + 2 + size + 2;
    extension_bytes_ += extension;
  }
}

// trailer-section = *( field-line CRLF ), then CRLF: field lines under the header rules, within
// the header byte and count limits; their values are not used.
ParseStatus Parser::parse_trailers(std::string_view input, size_t start) {
  std::string_view rest = input.substr(start);
  size_t end = rest.find("\r\n\r\n");
  bool none = rest.starts_with(kCrlf);
  size_t size = none ? 2 : end == std::string_view::npos ? rest.size() : end + 4;
  std::string_view section = rest.substr(0, size);
  if (find_bare_cr_or_lf(section.substr(0, limits_.max_header_bytes + 4)) !=
      std::string_view::npos) {
    return fail(400, "bare CR or LF in the trailer section");
  }
  if (size > limits_.max_header_bytes + 4) return fail(431, "trailer section too large");
  size_t fields = 0;
  for (std::string_view lines = section; !lines.empty() && !lines.starts_with(kCrlf);) {
    size_t eol = lines.find(kCrlf);
    if (eol == std::string_view::npos) break;  // a line still arriving
    Header h;
    ParseStatus s = parse_field_line(lines.substr(0, eol), h);
    if (s != ParseStatus::kComplete) return s;
    if (++fields > limits_.max_headers) return fail(431, "too many trailer fields");
    lines.remove_prefix(eol + 2);
  }
  if (!none && end == std::string_view::npos) return ParseStatus::kIncomplete;
  consumed_ = start + size;
  return ParseStatus::kComplete;
}

}  // namespace cachet::http
