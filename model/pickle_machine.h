// A restricted pickle interpreter. It understands only the opcodes plain data
// and containers need, and never imports or calls anything: what globals,
// REDUCE, BUILD and persistent ids mean is up to its PickleRules
// (pickle_rules.h); RunRestrictedPickle uses those of a torch.save state dict.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model/pickle_rules.h"
#include "model/pickle_value.h"

namespace vit {

/// Interprets `data` under `rules` and returns the unpickled root. Anything
/// outside the subset (an unknown opcode, a global or call the rules refuse, a
/// truncated stream, stack underflow, a bad memo index, arguments of the wrong
/// type) is an error whose message starts with `context` and names the opcode
/// and the byte offset.
StatusOr<PickleValuePtr> RunPickle(std::string_view data, const std::string& context,
                                   const PickleRules& rules);

/// RunPickle with TorchPickleRules, for an archive's data.pkl: whitelisted
/// globals become inert markers, tensors become descriptions whose data the
/// caller reads from the archive.
StatusOr<PickleValuePtr> RunRestrictedPickle(std::string_view data, const std::string& context);

}  // namespace vit
