// A growable byte buffer for socket input: read into its free tail, consume from its head.
// Unlike std::string it never zero-fills the space a read is about to overwrite.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace cachet::net {

class InputBuffer {
 public:
  std::string_view view() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return cap_; }

  // Returns a pointer to at least `n` writable bytes after the data (may move the data).
  char* prepare(size_t n) {
    if (cap_ - end_ >= n) return data_.get() + end_;
    size_t used = size();
    if (begin_ > 0 && cap_ - used >= n) {
      std::memmove(data_.get(), data_.get() + begin_, used);
    } else {
      size_t cap = cap_ == 0 ? n : cap_;
      while (cap - used < n) cap *= 2;
      auto grown = std::make_unique_for_overwrite<char[]>(cap);
      if (used > 0) std::memcpy(grown.get(), data_.get() + begin_, used);
      data_ = std::move(grown);
      cap_ = cap;
    }
    begin_ = 0;
    end_ = used;
    return data_.get() + end_;
  }
  void commit(size_t n) { end_ += n; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Frees a large buffer once it is empty, so an idle client that once sent a big request
  // does not keep its memory.
  void shrink_if_idle(size_t keep) {
    if (begin_ == end_ && cap_ > keep) {
      data_.reset();
      cap_ = begin_ = end_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace cachet::net
