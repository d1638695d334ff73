// SYSKIT_CHECK: aborts the process when a programmer invariant breaks. Stays
// on in release builds. Never use it on user input: return a Status instead.
//
//   SYSKIT_CHECK(offset <= size) << "offset " << offset << " past " << size;
#pragma once

#include <sstream>

namespace syskit::internal {

// Collects the streamed message and aborts in its destructor.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `cond ? (void)0 : Voidify() & stream` type-check.
struct CheckVoidify {
  void operator&(std::ostream&) {}
};

}  // namespace syskit::internal

#define SYSKIT_CHECK(condition)                      \
  (condition) ? (void)0                              \
              : ::syskit::internal::CheckVoidify() & \
                    ::syskit::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#ifdef NDEBUG
#define SYSKIT_DCHECK(condition) \
  while (false) SYSKIT_CHECK(condition)
#else
#define SYSKIT_DCHECK(condition) SYSKIT_CHECK(condition)
#endif
