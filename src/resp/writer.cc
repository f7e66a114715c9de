#include "resp/writer.h"

#include <charconv>
#include <cmath>

namespace cachet::resp {

void Writer::header(char type, uint64_t n) {
  char buf[24];
  buf[0] = type;
  auto end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, end - buf);
}

void Writer::simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n");
}

void Writer::error(std::string_view message) {
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(message);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void Writer::integer(int64_t n) {
  char buf[24];
  buf[0] = ':';
  auto end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, end - buf);
}

void Writer::bulk(std::string_view s) {
  header('$', s.size());
  out_->append(s);
  out_->append("\r\n");
}

void Writer::null() { out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void Writer::null_array() { out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }
void Writer::array(size_t n) { header('*', n); }
void Writer::map(size_t pairs) { protocol_ >= 3 ? header('%', pairs) : header('*', pairs * 2); }
void Writer::set(size_t n) { header(protocol_ >= 3 ? '~' : '*', n); }
void Writer::push(size_t n) { header(protocol_ >= 3 ? '>' : '*', n); }

void Writer::verbatim(std::string_view text) {
  if (protocol_ < 3) return bulk(text);
  header('=', text.size() + 4);
  out_->append("txt:");
  out_->append(text);
  out_->append("\r\n");
}

size_t format_double(double d, char (&out)[32]) {
  if (std::isinf(d)) {
    std::string_view text = d > 0 ? "inf" : "-inf";
    text.copy(out, text.size());
    return text.size();
  }
  // to_chars(general, 17) prints what "%.17g" prints, several times faster (range replies
  // spend most of their time formatting scores).
  return static_cast<size_t>(
      std::to_chars(out, out + sizeof out, d, std::chars_format::general, 17).ptr - out);
}

void Writer::dbl(double d) {
  char digits[32];
  dbl_text({digits, format_double(d, digits)});
}

void Writer::dbl_text(std::string_view text) {
  if (protocol_ < 3) return bulk(text);
  out_->push_back(',');
  out_->append(text);
  out_->append("\r\n");
}

}  // namespace cachet::resp
