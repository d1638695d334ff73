// BigArray<T>: a std::vector whose resize() default-initialises instead of
// zeroing, for the builder's large scratch arrays that are about to be
// overwritten anyway (a 1 GiB key array is then written once, not twice).
//
// Huge pages were measured and rejected: with transparent huge pages in
// "madvise" mode and defrag "madvise" (Debian's defaults) MADV_HUGEPAGE made
// the builder 1.4x slower on R-MAT scale 22, page faults paying for direct
// compaction and 2 MiB zeroing.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace syskit::graph::internal {

template <typename T>
class BigArrayAllocator {
 public:
  using value_type = T;

  BigArrayAllocator() = default;
  template <typename U>
  BigArrayAllocator(const BigArrayAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) { std::allocator<T>().deallocate(p, n); }

  // Default-initialise (no zeroing) when constructed without arguments.
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  friend bool operator==(const BigArrayAllocator&, const BigArrayAllocator&) { return true; }
};

template <typename T>
using BigArray = std::vector<T, BigArrayAllocator<T>>;

}  // namespace syskit::graph::internal
