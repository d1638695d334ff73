// Status: the outcome of an operation that can fail for reasons outside the
// program's control (bad input, I/O, corruption). Shaped like absl::Status.
//
// A Status is cheap to copy when OK (no allocation). Error statuses carry a
// code and a lower-case message that names the object and says expected vs
// actual, e.g. `g.txt:12: expected two vertex ids, got "7 x"`.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace syskit {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,     // bad input from the caller or a user-supplied file
  kNotFound,            // a named object (file, key) does not exist
  kAlreadyExists,       // the object to create exists already
  kCorruption,          // stored data fails a checksum or structural check
  kIOError,             // the operating system reported an I/O failure
  kFailedPrecondition,  // the system is not in a state that allows the call
  kOutOfRange,          // a value or position is past a valid bound
  kResourceExhausted,   // a configured limit (memory, size) was reached
  kInternal,            // an invariant broke; a bug
};

// Returns the code's name, e.g. "Corruption".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // OK status.
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly drops the status; for the rare call whose failure is harmless.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status CorruptionError(std::string message);
Status IOError(std::string message);
Status FailedPreconditionError(std::string message);
Status OutOfRangeError(std::string message);
Status ResourceExhaustedError(std::string message);
Status InternalError(std::string message);

// Builds an IOError from errno: "<context>: <strerror(errno)>", or NotFound
// when errno is ENOENT.
Status ErrnoError(std::string_view context, int errno_value);

}  // namespace syskit

#define SYSKIT_STATUS_CONCAT_INNER_(a, b) a##b
#define SYSKIT_STATUS_CONCAT_(a, b) SYSKIT_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Status) and returns it from the enclosing function if it
// is not OK.
#define SYSKIT_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::syskit::Status syskit_status_ = (expr);        \
    if (!syskit_status_.ok()) return syskit_status_; \
  } while (0)
