// Result<T>: a value or the Status explaining why there is none. Shaped like
// absl::StatusOr<T>.
//
//   Result<Graph> LoadGraph(...);
//   SYSKIT_ASSIGN_OR_RETURN(Graph graph, LoadGraph(...));
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "syskit/core/check.h"
#include "syskit/core/status.h"

namespace syskit {

template <typename T>
class [[nodiscard]] Result {
 public:
  // A Result holding a value.
  Result(const T& value) : value_(value) {}        // NOLINT(google-explicit-constructor)
  Result(T&& value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Status> &&
           !std::is_same_v<std::decay_t<U>, Result<T>> && !std::is_same_v<std::decay_t<U>, T>)
      Result(U&& value)
      : value_(std::forward<U>(value)) {}  // NOLINT(google-explicit-constructor)

  // A Result holding an error; `status` must not be OK.
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    SYSKIT_CHECK(!status_.ok()) << "Result constructed from an OK status without a value";
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // Accessors; calling them on an error Result aborts with the status.
  const T& value() const& {
    CheckOk();
    return *value_;
  }
  T& value() & {
    CheckOk();
    return *value_;
  }
  T&& value() && {
    CheckOk();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The value, or `fallback` on error.
  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void CheckOk() const { SYSKIT_CHECK(ok()) << "value() on an error Result: " << status_; }

  Status status_;
  std::optional<T> value_;
};

}  // namespace syskit

#define SYSKIT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();       \
  lhs = std::move(tmp).value()

// Evaluates `rexpr` (a Result<T>); on error returns its Status from the
// enclosing function, otherwise assigns the value to `lhs` (which may be a
// declaration: `SYSKIT_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(p));`).
#define SYSKIT_ASSIGN_OR_RETURN(lhs, rexpr) \
  SYSKIT_ASSIGN_OR_RETURN_IMPL_(SYSKIT_STATUS_CONCAT_(syskit_result_, __LINE__), lhs, rexpr)
