// Errors as values at layer boundaries: a small Status / StatusOr pair with
// codes that map one-to-one onto gRPC status codes (the server translates them).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vit {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input from the caller (image, checkpoint, flag)
  kNotFound,            // file, folder or model that does not exist
  kResourceExhausted,   // queue full, budget exceeded; retryable
  kDeadlineExceeded,    // the caller's deadline passed before work started
  kUnavailable,         // shutting down; retryable elsewhere
  kFailedPrecondition,  // state does not allow the operation
  kDataLoss,            // truncated or corrupt data
  kUnimplemented,       // valid but unsupported (e.g. an unknown pickle opcode)
  kInternal,            // a bug or an unexpected library failure
  kUnauthenticated,     // the call lacks valid credentials (bearer token)
};

const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: message"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status UnimplementedError(std::string m) {
  return {StatusCode::kUnimplemented, std::move(m)};
}
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}

// Holds either a value or a non-OK Status.
template <typename T>
class StatusOr {
 public:
  StatusOr(Status status) : state_(std::move(status)) {}  // NOLINT: implicit by design
  StatusOr(T value) : state_(std::move(value)) {}         // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace vit

// Returns early from the enclosing function when `expr` is a non-OK Status.
#define VIT_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::vit::Status vit_status_ = (expr);        \
    if (!vit_status_.ok()) return vit_status_; \
  } while (0)

#define VIT_STATUS_CONCAT_INNER_(a, b) a##b
#define VIT_STATUS_CONCAT_(a, b) VIT_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (a StatusOr<T>); returns its Status from the enclosing
// function when it is not OK, else moves the value into `lhs`, which may be a
// declaration: VIT_ASSIGN_OR_RETURN(auto file, OpenFile(path));
#define VIT_ASSIGN_OR_RETURN(lhs, expr) \
  VIT_ASSIGN_OR_RETURN_IMPL_(VIT_STATUS_CONCAT_(vit_status_or_, __LINE__), lhs, expr)
#define VIT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
