// Parsing: sizes the document's buffers, runs the two stages of the kernel chosen for this CPU
// (stage1.h, stage2.h) and turns an error offset into a line and column.
#include <cpuid.h>

#include <algorithm>

#include "cachet/json/document.h"
#include "json/stage1.h"
#include "json/stage2.h"

namespace cachet::json {
namespace {

// LZCNT (CPUID 0x80000001 ECX bit 5), which not every compiler's __builtin_cpu_supports knows.
bool has_lzcnt() {
  unsigned eax, ebx, ecx, edx;
  return __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 5)) != 0;
}

bool cpu_has(simd_kernel k) {
  switch (k) {
    case simd_kernel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2") &&
             has_lzcnt() && __builtin_cpu_supports("pclmul");
    case simd_kernel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && has_lzcnt() &&
             __builtin_cpu_supports("pclmul");
    case simd_kernel::sse42:
      return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
    default:
      return true;
  }
}

struct kernel_list {
  simd_kernel kernels[4];
  size_t size = 0;
};

const kernel_list& detected() {
  static const kernel_list list = [] {
    kernel_list l;
    for (simd_kernel k :
         {simd_kernel::avx512, simd_kernel::avx2, simd_kernel::sse42, simd_kernel::fallback}) {
      if (cpu_has(k)) l.kernels[l.size++] = k;
    }
    return l;
  }();
  return list;
}

struct stages {
  detail::stage1_result (*stage1)(const uint8_t*, size_t, uint32_t*);
  detail::stage2_result (*stage2)(const detail::stage2_state&);
};

// The stages of `k`; automatic or an unsupported kernel means the best supported one (found
// once: cpu_has runs CPUID, which a virtual machine may trap).
stages stages_for(simd_kernel k) {
  const kernel_list& l = detected();
  if (std::find(l.kernels, l.kernels + l.size, k) == l.kernels + l.size) k = l.kernels[0];
  switch (k) {
    case simd_kernel::avx512:
      return {detail::stage1_avx512, detail::stage2_avx2};  // see stage2.h
    case simd_kernel::avx2:
      return {detail::stage1_avx2, detail::stage2_avx2};
    case simd_kernel::sse42:
      return {detail::stage1_sse42, detail::stage2_sse42};
    default:
      return {detail::stage1_fallback, detail::stage2_fallback};
  }
}

}  // namespace

// One parse: stage 1, then stage 2 over its offsets.
class parser {
 public:
  parser(document& doc, const uint8_t* buf, size_t len, const parse_options& options)
      : doc_(doc), buf_(buf), len_(len), options_(options) {}

  status run();

 private:
  detail::stage2_state reserve(uint32_t count);
  status fail_at(error_kind kind, size_t offset) const;

  document& doc_;
  const uint8_t* buf_;
  size_t len_;
  const parse_options& options_;
};

status parser::fail_at(error_kind kind, size_t offset) const {
  json::error e{.kind = kind, .offset = offset, .line = 1, .column = 1};
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (buf_[i] == '\n') {
      ++e.line;
      line_start = i + 1;
    }
  }
  for (size_t i = line_start; i < offset; ++i) e.column += (buf_[i] & 0xC0) != 0x80;
  e.message = std::string(describe(kind));
  return e;
}

// Sizes the document's buffers for `count` structurals; returns stage 2's view of them.
detail::stage2_state parser::reserve(uint32_t count) {
  size_t tape_need = 2 * size_t{count} + 4;
  if (doc_.tape_capacity_ < tape_need) {
    doc_.tape_.reset(new uint64_t[tape_need]);
    doc_.tape_capacity_ = tape_need;
  }
  size_t strings_need = (options_.keep_number_text ? 3 : 2) * len_ + 64;
  if (doc_.strings_capacity_ < strings_need) {
    doc_.strings_.reset(new char[strings_need]);
    doc_.strings_capacity_ = strings_need;
  }
  size_t depth = std::min<size_t>(options_.max_depth, count);
  if (doc_.frames_capacity_ < depth + 1) {
    doc_.frames_.reset(new uint64_t[depth + 1]);
    doc_.frames_capacity_ = depth + 1;
  }
  return {.buf = buf_,
          .end = buf_ + len_,
          .first = doc_.indexes_.get(),
          .last = doc_.indexes_.get() + count,
          .tape = doc_.tape_.get(),
          .strings = doc_.strings_.get(),
          .frames = doc_.frames_.get(),
          .frames_end = doc_.frames_.get() + depth,
          .keep_number_text = options_.keep_number_text};
}

status parser::run() {
  doc_.tape_size_ = 0;
  if (len_ > UINT32_MAX - 64) return fail_at(error_kind::input_too_large, 0);
  size_t index_need = len_ + detail::kIndexSlack;
  if (doc_.indexes_capacity_ < index_need) {
    doc_.indexes_.reset(new uint32_t[index_need]);
    doc_.indexes_capacity_ = index_need;
  }
  stages k = stages_for(options_.kernel);
  detail::stage1_result s1 = k.stage1(buf_, len_, doc_.indexes_.get());
  if (s1.error != error_kind::none) return fail_at(s1.error, s1.error_offset);
  if (s1.count == 0) return fail_at(error_kind::empty_input, len_);
  detail::stage2_result s2 = k.stage2(reserve(static_cast<uint32_t>(s1.count)));
  if (s2.error != error_kind::none) return fail_at(s2.error, s2.offset);
  doc_.tape_size_ = s2.tape_size;
  return {};
}

document::document() = default;
document::~document() = default;
document::document(document&&) noexcept = default;
document& document::operator=(document&&) noexcept = default;

status document::parse(std::string_view json, const parse_options& options) {
  return parser(*this, reinterpret_cast<const uint8_t*>(json.data()), json.size(), options).run();
}

result<document> parse(std::string_view json, const parse_options& options) {
  document doc;
  status st = doc.parse(json, options);
  if (!st) return st.error();
  return doc;
}

std::span<const simd_kernel> supported_kernels() {
  const kernel_list& l = detected();
  return {l.kernels, l.size};
}

}  // namespace cachet::json
