// RDB encodings for DUMP payloads; the format is described in rdb.h.
#include "server/rdb.h"

#include <array>
#include <cstring>

#include "store/lzf.h"

namespace cachet::server::rdb {
namespace {

// Redis's crc64.c: polynomial 0xad93d23594c935a9, reflected (0x95ac9329ac4bc9b5 bit-reversed).
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

constexpr std::array<uint64_t, 256> make_table() {
  std::array<uint64_t, 256> t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kReflectedPoly : c >> 1;
    t[i] = c;
  }
  return t;
}

constexpr std::array<uint64_t, 256> kTable = make_table();

constexpr uint8_t k6Bit = 0, k14Bit = 1, kEncoded = 3;  // the top two bits of a length
constexpr uint8_t k32Bit = 0x80, k64Bit = 0x81;
constexpr uint64_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;
constexpr size_t kCompressAbove = 20;  // Redis (rdbcompression yes) tries LZF on longer strings

void append_big_endian(std::string& out, uint64_t n, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
}

}  // namespace

uint64_t crc64(uint64_t crc, std::string_view data) {
  for (unsigned char c : data) crc = kTable[(crc ^ c) & 0xff] ^ (crc >> 8);
  return crc;
}

void append_length(std::string& out, uint64_t n) {
  if (n < (1 << 6)) {
    out.push_back(static_cast<char>(n | (k6Bit << 6)));
  } else if (n < (1 << 14)) {
    out.push_back(static_cast<char>((n >> 8) | (k14Bit << 6)));
    out.push_back(static_cast<char>(n & 0xff));
  } else if (n <= UINT32_MAX) {
    out.push_back(static_cast<char>(k32Bit));
    append_big_endian(out, n, 4);
  } else {
    out.push_back(static_cast<char>(k64Bit));
    append_big_endian(out, n, 8);
  }
}

namespace {

// Appends `s` in the LZF string form (encoding byte, compressed length, length, data) when
// compressing saves more than 4 bytes, as Redis's rdbSaveLzfStringObject; false otherwise.
bool append_lzf(std::string& out, std::string_view s) {
  std::string packed(s.size() - 4, '\0');
  size_t n = store::lzf::compress(s, packed.data(), packed.size());
  if (n == 0) return false;
  out.push_back(static_cast<char>(kEncoded << 6 | kEncLzf));
  append_length(out, n);
  append_length(out, s.size());
  out.append(packed.data(), n);
  return true;
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  if (s.size() > kCompressAbove && append_lzf(out, s)) return;
  append_length(out, s.size());
  out.append(s);
}

void append_footer(std::string& out) {
  out.push_back(static_cast<char>(kVersion & 0xff));
  out.push_back(static_cast<char>(kVersion >> 8));
  uint64_t crc = crc64(0, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
}

std::optional<uint16_t> verify_payload(std::string_view payload) {
  if (payload.size() < kFooterSize) return std::nullopt;
  auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(payload[i])); };
  size_t footer = payload.size() - kFooterSize;
  auto version = static_cast<uint16_t>(byte(footer) | byte(footer + 1) << 8);
  if (version > kVersion) return std::nullopt;
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) stored |= byte(footer + 2 + i) << (8 * i);
  if (crc64(0, payload.substr(0, footer + 2)) != stored) return std::nullopt;
  return version;
}

std::optional<std::string_view> Reader::take(size_t n) {
  if (n > remaining()) {
    pos_ = in_.size();
    return std::nullopt;
  }
  std::string_view s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::optional<uint8_t> Reader::type() {
  auto b = take(1);
  if (!b) return std::nullopt;
  return static_cast<uint8_t>((*b)[0]);
}

std::optional<uint64_t> Reader::length(bool& encoded) {
  encoded = false;
  auto first = type();
  if (!first) return std::nullopt;
  uint8_t kind = *first >> 6;
  if (kind == k6Bit) return *first & 0x3f;
  if (kind == k14Bit) {
    auto next = type();
    if (!next) return std::nullopt;
    return uint64_t{*first & 0x3fu} << 8 | *next;
  }
  if (kind == kEncoded) {
    encoded = true;
    return *first & 0x3f;
  }
  int bytes = *first == k32Bit ? 4 : *first == k64Bit ? 8 : 0;
  auto raw = bytes ? take(bytes) : std::nullopt;
  if (!raw) return std::nullopt;
  uint64_t n = 0;
  for (char c : *raw) n = n << 8 | static_cast<uint8_t>(c);
  return n;
}

std::optional<uint64_t> Reader::length() {
  bool encoded = false;
  auto n = length(encoded);
  if (encoded) return std::nullopt;
  return n;
}

std::optional<std::string> Reader::string() {
  bool encoded = false;
  auto n = length(encoded);
  if (!n) return std::nullopt;
  if (!encoded) {
    auto s = take(*n);
    return s ? std::optional<std::string>(*s) : std::nullopt;
  }
  if (*n == kEncLzf) {
    auto compressed = length();
    auto size = compressed ? length() : std::nullopt;
    auto data = size ? take(*compressed) : std::nullopt;
    return data ? store::lzf::decompress(*data, *size) : std::nullopt;
  }
  int bytes = *n == kEncInt8 ? 1 : *n == kEncInt16 ? 2 : *n == kEncInt32 ? 4 : 0;
  auto raw = bytes ? take(bytes) : std::nullopt;
  if (!raw) return std::nullopt;
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<uint8_t>((*raw)[i]);
  int64_t value = bytes == 1   ? static_cast<int8_t>(v)
                  : bytes == 2 ? static_cast<int16_t>(v)
                               : static_cast<int32_t>(v);
  return std::to_string(value);
}

}  // namespace cachet::server::rdb
