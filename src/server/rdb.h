// Pieces of Redis's RDB format that DUMP-style payloads need (FUNCTION DUMP / RESTORE): length
// and string encodings, the LZF-compressed string form (read only), and the payload footer
// (RDB version, little-endian, then the CRC-64/Jones of everything before it). Pure functions
// over bytes, compatible with Redis 7.0 (RDB version 10).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cachet::server::rdb {

inline constexpr uint16_t kVersion = 10;          // Redis 7.0's RDB_VERSION
inline constexpr uint8_t kOpcodeFunction = 246;   // 7.0-rc1/rc2: name, engine, description, code
inline constexpr uint8_t kOpcodeFunction2 = 245;  // 7.0: the library's code only
inline constexpr size_t kFooterSize = 10;         // 2 bytes version + 8 bytes CRC

// CRC-64 as Redis computes it (Jones polynomial, reflected, initial 0): crc64(0, data) in Redis.
uint64_t crc64(uint64_t crc, std::string_view data);

// Appends Redis's length encoding of `n` (6-bit, 14-bit, 32-bit or 64-bit form).
void append_length(std::string& out, uint64_t n);
// Appends `s` as an RDB string as Redis writes it with rdbcompression yes (its default): over
// 20 bytes LZF-compressed when that saves more than 4 bytes, else length then bytes.
void append_string(std::string& out, std::string_view s);
// Appends the footer (version, CRC-64) that makes `out` a DUMP payload.
void append_footer(std::string& out);
// The RDB version of a DUMP payload whose footer is valid (version <= kVersion, CRC matches),
// or nothing: Redis's "DUMP payload version or checksum are wrong".
std::optional<uint16_t> verify_payload(std::string_view payload);

// Reads RDB values from the front of `in`. Every read returns nothing on truncated or malformed
// input and then leaves the reader failed.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::optional<uint8_t> type();
  std::optional<uint64_t> length();
  // A string in any of its encodings: raw, an 8/16/32-bit integer, or LZF-compressed.
  std::optional<std::string> string();
  size_t remaining() const { return in_.size() - pos_; }

 private:
  // The length, or the encoding number in `encoded` (its top bits were 11).
  std::optional<uint64_t> length(bool& encoded);
  std::optional<std::string_view> take(size_t n);
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace cachet::server::rdb
