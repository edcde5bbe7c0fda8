// Pickle opcodes (protocols 0-5, as listed in CPython's Lib/pickletools.py)
// that a torch.save state dict uses, and names for every opcode in messages.
#pragma once

#include <cstdint>

namespace vit {

// Scoped by namespace (not enum class) so that the values compare with raw bytes.
namespace pickle_op {
enum Opcode : uint8_t {
  kMark = '(',
  kStop = '.',
  kBinFloat = 'G',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinUnicode = 'X',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kEmptyDict = '}',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kEmptyList = ']',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kEmptyTuple = ')',
  kSetItems = 'u',
  kProto = 0x80,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};
}  // namespace pickle_op

/// "GLOBAL", "NEWOBJ", ...; "unknown opcode" for bytes that are no opcode.
const char* PickleOpcodeName(uint8_t op);

}  // namespace vit
