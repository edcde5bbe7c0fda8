// A restricted pickle interpreter for torch.save state dicts. It understands
// only the opcodes and globals such files use and never imports or calls
// anything: whitelisted globals become inert markers, tensors become
// descriptions whose data the caller reads from the archive.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model/pickle_value.h"

namespace vit {

/// Interprets `data` (the archive's data.pkl) and returns the unpickled root.
/// Anything outside the subset (an unknown opcode or global, a truncated
/// stream, stack underflow, a bad memo index, arguments of the wrong type) is
/// an error whose message starts with `context` and names the opcode and the
/// byte offset.
StatusOr<PickleValuePtr> RunRestrictedPickle(std::string_view data, const std::string& context);

}  // namespace vit
