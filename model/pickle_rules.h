// The policy half of the restricted pickle interpreter (pickle_machine.h):
// which globals a stream may name, and what REDUCE, BUILD and persistent ids
// produce. The interpreter itself only moves plain values around; it never
// imports or calls anything.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/pickle_value.h"

namespace vit {

// Creates the values of one pickle and counts them, so that the interpreter
// can cap how many a hostile stream may create.
class PickleValueFactory {
 public:
  PickleValuePtr Make(PickleKind kind) {
    ++created_;
    return std::make_shared<PickleValue>(kind);
  }
  size_t created() const { return created_; }

 private:
  size_t created_ = 0;
};

// Errors returned here carry no position: the interpreter prefixes the byte
// offset and the opcode.
class PickleRules {
 public:
  virtual ~PickleRules() = default;

  /// GLOBAL / STACK_GLOBAL: OK when `qualified` ("module name") may be named.
  /// An allowed global becomes an inert kGlobal marker on the stack.
  virtual Status CheckGlobal(const std::string& qualified) const = 0;

  /// REDUCE: the value that calling the global `qualified` with `args` stands for.
  virtual StatusOr<PickleValuePtr> Call(const std::string& qualified,
                                        const std::vector<PickleValuePtr>& args,
                                        PickleValueFactory& values) const = 0;

  /// BINPERSID: the value the persistent id `pid` stands for.
  virtual StatusOr<PickleValuePtr> PersistentLoad(const PickleValue& pid,
                                                  PickleValueFactory& values) const = 0;

  /// BUILD: applies `state` to `target`, the value below it on the stack.
  virtual Status Build(PickleValue& target, const PickleValue& state) const = 0;
};

}  // namespace vit
