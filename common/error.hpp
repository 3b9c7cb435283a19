// motcua's one error type. Every fallible function returns Result<T> (tl::expected<T, Error>) or
// Status; exceptions from libraries are caught at the edge that calls them and converted here.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace motcua {

// A closed set of failure classes. Callers branch on the code, never on the message text.
enum class ErrorCode {
  kInvalidInput,        // the caller's input is wrong: fix the input and retry
  kNotFound,            // the thing named does not exist
  kConflict,            // the request contradicts current state (e.g. an illegal status transition)
  kFailedPrecondition,  // the system is not in a state that allows this (e.g. database not initialised)
  kCorruption,          // stored or received bytes are damaged
  kIo,                  // the operating system refused a read or write (disk full, permissions)
  kUnavailable,         // transient: try again later
  kTimeout,             // transient: the operation took too long
  kUnauthorized,        // identity or permission refused
  kInternal,            // a bug: report it
};

// Stable lower-case name used in CLI JSON errors and logs ("invalid_input", ...).
const char* error_code_name(ErrorCode code);

// What happened (English, for logs and IT staff), what to do about it (hint), and, for errors a
// clerk sees, the same message in Vietnamese (NFC).
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string hint;
  std::string message_vi;

  static Error invalid_input(std::string msg, std::string hint = {}) { return {ErrorCode::kInvalidInput, std::move(msg), std::move(hint), {}}; }
  static Error not_found(std::string msg, std::string hint = {}) { return {ErrorCode::kNotFound, std::move(msg), std::move(hint), {}}; }
  static Error conflict(std::string msg, std::string hint = {}) { return {ErrorCode::kConflict, std::move(msg), std::move(hint), {}}; }
  static Error failed_precondition(std::string msg, std::string hint = {}) { return {ErrorCode::kFailedPrecondition, std::move(msg), std::move(hint), {}}; }
  static Error corruption(std::string msg, std::string hint = {}) { return {ErrorCode::kCorruption, std::move(msg), std::move(hint), {}}; }
  static Error io(std::string msg, std::string hint = {}) { return {ErrorCode::kIo, std::move(msg), std::move(hint), {}}; }
  static Error unavailable(std::string msg, std::string hint = {}) { return {ErrorCode::kUnavailable, std::move(msg), std::move(hint), {}}; }
  static Error timeout(std::string msg, std::string hint = {}) { return {ErrorCode::kTimeout, std::move(msg), std::move(hint), {}}; }
  static Error unauthorized(std::string msg, std::string hint = {}) { return {ErrorCode::kUnauthorized, std::move(msg), std::move(hint), {}}; }
  static Error internal(std::string msg, std::string hint = {}) { return {ErrorCode::kInternal, std::move(msg), std::move(hint), {}}; }

  // Adds the Vietnamese wording for a clerk-facing error.
  Error&& vi(std::string text) && { message_vi = std::move(text); return std::move(*this); }
  // Prefixes the message with context ("opening /x/agent.db: ...").
  Error&& context(const std::string& what) && { message = what + ": " + message; return std::move(*this); }
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(Error e) { return tl::unexpected<Error>(std::move(e)); }
inline Status ok() { return {}; }

}  // namespace motcua

// Evaluates a Result/Status expression; on failure returns its error from the enclosing function.
#define MOTCUA_CONCAT_INNER_(a, b) a##b
#define MOTCUA_CONCAT_(a, b) MOTCUA_CONCAT_INNER_(a, b)
#define MOTCUA_TRY(expr)                                                                   \
  do {                                                                                     \
    auto MOTCUA_CONCAT_(motcua_try_, __LINE__) = (expr);                                   \
    if (!MOTCUA_CONCAT_(motcua_try_, __LINE__))                                            \
      return ::motcua::fail(std::move(MOTCUA_CONCAT_(motcua_try_, __LINE__).error()));      \
  } while (0)
// Declares `var` from a Result expression's value, or returns its error.
#define MOTCUA_ASSIGN_OR_RETURN(var, expr)                                           \
  auto MOTCUA_CONCAT_(motcua_tmp_, __LINE__) = (expr);                               \
  if (!MOTCUA_CONCAT_(motcua_tmp_, __LINE__))                                        \
    return ::motcua::fail(std::move(MOTCUA_CONCAT_(motcua_tmp_, __LINE__).error())); \
  var = std::move(*MOTCUA_CONCAT_(motcua_tmp_, __LINE__))
