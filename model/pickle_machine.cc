#include "model/pickle_machine.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/pickle_input.h"
#include "model/pickle_opcodes.h"
#include "model/torch_pickle_rules.h"

namespace vit {
namespace {

namespace op = pickle_op;

// Caps the values one pickle may create (a state dict needs about 15 per
// tensor), so that a hostile stream fails cleanly instead of exhausting memory.
constexpr size_t kMaxValues = size_t{1} << 21;

// Dict keys as strings so that equal Python keys collide; nullopt for key
// types a state dict never uses.
std::optional<std::string> DictKeyOf(const PickleValue& key) {
  if (key.kind == PickleKind::kString) return "s" + key.text;
  if (key.kind == PickleKind::kInt || key.kind == PickleKind::kBool) {
    return "i" + std::to_string(key.int_value);
  }
  return std::nullopt;
}

// One run over one stream. The opcode handlers return errors without a
// position; Run() prefixes the context, the byte offset and the opcode.
class Machine {
 public:
  Machine(std::string_view data, const std::string& context, const PickleRules& rules)
      : input_(data), context_(context), rules_(rules) {}

  StatusOr<PickleValuePtr> Run() {
    while (true) {
      op_pos_ = input_.position();
      if (input_.AtEnd()) {
        return Fail(StatusCode::kDataLoss, "pickle ends without STOP", /*with_opcode=*/false);
      }
      op_ = input_.TakeByte();
      if (op_ == op::kStop) return Stop();
      if (Status step = Step(); !step.ok()) return Fail(step.code(), step.message());
      if (values_.created() > kMaxValues) {
        return Fail(StatusCode::kResourceExhausted,
                    "more than " + std::to_string(kMaxValues) + " values; not a state dict");
      }
    }
  }

 private:
  Status Fail(StatusCode code, const std::string& what, bool with_opcode = true) const {
    std::string where = context_ + ": byte " + std::to_string(op_pos_);
    if (with_opcode) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02x", op_);
      where += std::string(" (opcode ") + PickleOpcodeName(op_) + " " + hex + ")";
    }
    return Status(code, where + ": " + what);
  }

  StatusOr<PickleValuePtr> Stop() {
    if (!marks_.empty() || stack_.size() != 1) {
      return Fail(StatusCode::kDataLoss, "stack holds " + std::to_string(stack_.size()) +
                                             " values and " + std::to_string(marks_.size()) +
                                             " open marks at STOP, expected exactly one value");
    }
    return std::move(stack_.back());
  }

  // Each opcode family answers nullopt for opcodes outside it.
  Status Step() {
    if (std::optional<Status> done = StreamOrMemoOp()) return *done;
    if (std::optional<Status> done = ScalarOp()) return *done;
    if (std::optional<Status> done = ContainerOp()) return *done;
    if (std::optional<Status> done = ObjectOp()) return *done;
    return UnimplementedError("opcode not supported in a state dict pickle");
  }

  // --- Opcode families --------------------------------------------------------

  // The stream's framing, marks and the memo.
  std::optional<Status> StreamOrMemoOp() {
    switch (op_) {
      case op::kProto:
        return CheckProtocol();
      case op::kFrame:  // framing only groups opcodes; reading op by op is unaffected
        return input_.ReadLE(8).status();
      case op::kMark:
        marks_.push_back(stack_.size());
        return Status::Ok();
      case op::kBinPut:
      case op::kLongBinPut:
        return MemoPut(/*index_bytes=*/op_ == op::kBinPut ? 1 : 4);
      case op::kMemoize:
        return Memoize(memo_.size());
      case op::kBinGet:
      case op::kLongBinGet:
        return MemoGet(/*index_bytes=*/op_ == op::kBinGet ? 1 : 4);
      default:
        return std::nullopt;
    }
  }

  // None, bools, ints, floats and strings.
  std::optional<Status> ScalarOp() {
    switch (op_) {
      case op::kNone:
        return Push(Make(PickleKind::kNone));
      case op::kNewTrue:
      case op::kNewFalse:
        return PushBool(op_ == op::kNewTrue);
      case op::kBinInt1:
        return PushUnsigned(/*bytes=*/1);
      case op::kBinInt2:
        return PushUnsigned(/*bytes=*/2);
      case op::kBinInt:
        return PushInt32();
      case op::kLong1:
        return PushLong1();
      case op::kBinFloat:
        return PushBinFloat();
      case op::kShortBinUnicode:
        return PushUnicode(/*length_bytes=*/1);
      case op::kBinUnicode:
        return PushUnicode(/*length_bytes=*/4);
      case op::kBinUnicode8:
        return PushUnicode(/*length_bytes=*/8);
      default:
        return std::nullopt;
    }
  }

  // Tuples, lists and dicts.
  std::optional<Status> ContainerOp() {
    switch (op_) {
      case op::kEmptyTuple:
        return Push(Make(PickleKind::kTuple));
      case op::kEmptyList:
        return Push(Make(PickleKind::kList));
      case op::kEmptyDict:
        return Push(Make(PickleKind::kDict));
      case op::kTuple1:
      case op::kTuple2:
      case op::kTuple3:
        return PushTupleOfTop(op_ - op::kTuple1 + 1);
      case op::kTuple:
        return PushTupleToMark();
      case op::kAppend:
        return Append();
      case op::kAppends:
        return AppendsToMark();
      case op::kSetItem:
        return SetItem();
      case op::kSetItems:
        return SetItemsToMark();
      default:
        return std::nullopt;
    }
  }

  // Globals, calls, BUILD and persistent ids: what they mean is up to the rules.
  std::optional<Status> ObjectOp() {
    switch (op_) {
      case op::kGlobal:
        return Global();
      case op::kStackGlobal:
        return StackGlobal();
      case op::kReduce:
        return Reduce();
      case op::kBuild:
        return Build();
      case op::kBinPersId:
        return PersistentLoad();
      default:
        return std::nullopt;
    }
  }

  // --- The stack ------------------------------------------------------------

  // Values above the innermost mark are the only ones an opcode may consume.
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }

  StatusOr<PickleValuePtr> Pop() {
    if (stack_.size() <= Floor()) return DataLossError("stack underflow");
    PickleValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }

  StatusOr<PickleValue*> Top() {
    if (stack_.size() <= Floor()) return DataLossError("stack underflow");
    return stack_.back().get();
  }

  StatusOr<PickleValue*> Top(PickleKind expected) {
    VIT_ASSIGN_OR_RETURN(auto* top, Top());
    if (top->kind != expected) {
      return InvalidArgumentError(std::string("expects a ") + PickleKindName(expected) +
                                  " on the stack, found " + PickleKindName(top->kind));
    }
    return top;
  }

  StatusOr<std::vector<PickleValuePtr>> PopToMark() {
    if (marks_.empty()) return DataLossError("no MARK on the stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValuePtr> items(std::make_move_iterator(stack_.begin() + mark),
                                      std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }

  PickleValuePtr Make(PickleKind kind) { return values_.Make(kind); }

  // Always OK; a Status so that opcode handlers can end with `return Push(...)`.
  Status Push(PickleValuePtr v) {
    stack_.push_back(std::move(v));
    return Status::Ok();
  }

  // --- Stream and memo ------------------------------------------------------

  Status CheckProtocol() {
    VIT_ASSIGN_OR_RETURN(uint64_t protocol, input_.ReadLE(1));
    if (protocol > 5) return UnimplementedError("pickle protocol " + std::to_string(protocol));
    return Status::Ok();
  }

  Status MemoPut(size_t index_bytes) {
    VIT_ASSIGN_OR_RETURN(uint64_t index, input_.ReadLE(index_bytes));
    return Memoize(index);
  }

  Status Memoize(uint64_t index) {
    if (stack_.size() <= Floor()) return DataLossError("nothing on the stack to memoize");
    memo_[index] = stack_.back();
    return Status::Ok();
  }

  Status MemoGet(size_t index_bytes) {
    VIT_ASSIGN_OR_RETURN(uint64_t index, input_.ReadLE(index_bytes));
    auto it = memo_.find(index);
    if (it == memo_.end()) {
      return DataLossError("memo index " + std::to_string(index) + " is not defined");
    }
    return Push(it->second);
  }

  // --- Scalars --------------------------------------------------------------

  Status PushBool(bool value) {
    PickleValuePtr b = Make(PickleKind::kBool);
    b->int_value = value ? 1 : 0;
    return Push(std::move(b));
  }

  Status PushInt(int64_t value) {
    PickleValuePtr i = Make(PickleKind::kInt);
    i->int_value = value;
    return Push(std::move(i));
  }

  // BININT1, BININT2: unsigned little-endian.
  Status PushUnsigned(size_t bytes) {
    VIT_ASSIGN_OR_RETURN(uint64_t v, input_.ReadLE(bytes));
    return PushInt(static_cast<int64_t>(v));
  }

  // BININT: signed 32-bit little-endian.
  Status PushInt32() {
    VIT_ASSIGN_OR_RETURN(uint64_t v, input_.ReadLE(4));
    return PushInt(static_cast<int32_t>(static_cast<uint32_t>(v)));
  }

  // LONG1: a length byte, then that many bytes of two's complement, little-endian.
  Status PushLong1() {
    VIT_ASSIGN_OR_RETURN(uint64_t n, input_.ReadLE(1));
    if (n > 8) return InvalidArgumentError("integer wider than 64 bits");
    VIT_ASSIGN_OR_RETURN(uint64_t u, input_.ReadLE(n));
    if (n > 0 && n < 8 && (u >> (8 * n - 1)) & 1) u |= ~uint64_t{0} << (8 * n);  // sign
    return PushInt(static_cast<int64_t>(u));
  }

  Status PushBinFloat() {
    VIT_ASSIGN_OR_RETURN(uint64_t le, input_.ReadLE(8));
    const uint64_t bits = __builtin_bswap64(le);  // BINFLOAT is big-endian
    PickleValuePtr f = Make(PickleKind::kFloat);
    std::memcpy(&f->float_value, &bits, sizeof(bits));
    return Push(std::move(f));
  }

  // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8: a length, then UTF-8 bytes.
  Status PushUnicode(size_t length_bytes) {
    VIT_ASSIGN_OR_RETURN(uint64_t n, input_.ReadLE(length_bytes));
    VIT_ASSIGN_OR_RETURN(std::string text, input_.ReadBytes(n));
    PickleValuePtr s = Make(PickleKind::kString);
    s->text = std::move(text);
    return Push(std::move(s));
  }

  // --- Containers -----------------------------------------------------------

  // TUPLE1..TUPLE3: the top n values, in stack order.
  Status PushTupleOfTop(size_t n) {
    PickleValuePtr t = Make(PickleKind::kTuple);
    t->items.resize(n);
    for (size_t i = n; i-- > 0;) {
      VIT_ASSIGN_OR_RETURN(t->items[i], Pop());
    }
    return Push(std::move(t));
  }

  Status PushTupleToMark() {
    VIT_ASSIGN_OR_RETURN(std::vector<PickleValuePtr> items, PopToMark());
    PickleValuePtr t = Make(PickleKind::kTuple);
    t->items = std::move(items);
    return Push(std::move(t));
  }

  Status Append() {
    VIT_ASSIGN_OR_RETURN(PickleValuePtr item, Pop());
    VIT_ASSIGN_OR_RETURN(auto* list, Top(PickleKind::kList));
    list->items.push_back(std::move(item));
    return Status::Ok();
  }

  Status AppendsToMark() {
    VIT_ASSIGN_OR_RETURN(std::vector<PickleValuePtr> items, PopToMark());
    VIT_ASSIGN_OR_RETURN(auto* list, Top(PickleKind::kList));
    for (PickleValuePtr& item : items) list->items.push_back(std::move(item));
    return Status::Ok();
  }

  Status SetItem() {
    VIT_ASSIGN_OR_RETURN(PickleValuePtr value, Pop());
    VIT_ASSIGN_OR_RETURN(PickleValuePtr key, Pop());
    VIT_ASSIGN_OR_RETURN(auto* dict, Top(PickleKind::kDict));
    std::vector<PickleValuePtr> kv;
    kv.push_back(std::move(key));
    kv.push_back(std::move(value));
    return SetItems(*dict, std::move(kv));
  }

  Status SetItemsToMark() {
    VIT_ASSIGN_OR_RETURN(std::vector<PickleValuePtr> kv, PopToMark());
    VIT_ASSIGN_OR_RETURN(auto* dict, Top(PickleKind::kDict));
    return SetItems(*dict, std::move(kv));
  }

  // `kv` alternates keys and values.
  Status SetItems(PickleValue& dict, std::vector<PickleValuePtr> kv) {
    if (kv.size() % 2 != 0) return DataLossError("odd number of key/value items");
    for (size_t i = 0; i < kv.size(); i += 2) {
      std::optional<std::string> key = DictKeyOf(*kv[i]);
      if (!key) {
        return InvalidArgumentError(std::string("unsupported dict key type ") +
                                    PickleKindName(kv[i]->kind));
      }
      auto [it, inserted] = dict.index.emplace(*key, dict.entries.size());
      if (inserted) {
        dict.entries.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
      } else {
        dict.entries[it->second].second = std::move(kv[i + 1]);  // Python: last write wins
      }
    }
    return Status::Ok();
  }

  // --- Objects (decided by the rules) -----------------------------------------

  Status Global() {
    VIT_ASSIGN_OR_RETURN(std::string module, input_.ReadLine());
    VIT_ASSIGN_OR_RETURN(std::string name, input_.ReadLine());
    return PushGlobal(module, name);
  }

  Status StackGlobal() {
    VIT_ASSIGN_OR_RETURN(PickleValuePtr name, Pop());
    VIT_ASSIGN_OR_RETURN(PickleValuePtr module, Pop());
    if (module->kind != PickleKind::kString || name->kind != PickleKind::kString) {
      return InvalidArgumentError("module and name must be strings");
    }
    return PushGlobal(module->text, name->text);
  }

  // An allowed global is only a marker ("module name") for REDUCE and the rules.
  Status PushGlobal(const std::string& module, const std::string& name) {
    std::string qualified = module + " " + name;
    VIT_RETURN_IF_ERROR(rules_.CheckGlobal(qualified));
    PickleValuePtr g = Make(PickleKind::kGlobal);
    g->text = std::move(qualified);
    return Push(std::move(g));
  }

  // Only globals can be called, and only as the rules say.
  Status Reduce() {
    VIT_ASSIGN_OR_RETURN(PickleValuePtr args, Pop());
    VIT_ASSIGN_OR_RETURN(PickleValuePtr callable, Pop());
    if (callable->kind != PickleKind::kGlobal || args->kind != PickleKind::kTuple) {
      return InvalidArgumentError(std::string("expects (global, tuple), found (") +
                                  PickleKindName(callable->kind) + ", " +
                                  PickleKindName(args->kind) + ")");
    }
    VIT_ASSIGN_OR_RETURN(PickleValuePtr result, rules_.Call(callable->text, args->items, values_));
    return Push(std::move(result));
  }

  Status Build() {
    VIT_ASSIGN_OR_RETURN(PickleValuePtr state, Pop());
    VIT_ASSIGN_OR_RETURN(auto* target, Top());
    return rules_.Build(*target, *state);
  }

  Status PersistentLoad() {
    VIT_ASSIGN_OR_RETURN(PickleValuePtr pid, Pop());
    VIT_ASSIGN_OR_RETURN(PickleValuePtr loaded, rules_.PersistentLoad(*pid, values_));
    return Push(std::move(loaded));
  }

  PickleInput input_;
  const std::string& context_;
  const PickleRules& rules_;
  size_t op_pos_ = 0;  // offset of the opcode being run, for messages
  uint8_t op_ = 0;
  std::vector<PickleValuePtr> stack_;
  std::vector<size_t> marks_;  // stack sizes at each open MARK
  std::unordered_map<uint64_t, PickleValuePtr> memo_;
  PickleValueFactory values_;
};

}  // namespace

StatusOr<PickleValuePtr> RunPickle(std::string_view data, const std::string& context,
                                   const PickleRules& rules) {
  try {
    return Machine(data, context, rules).Run();
  } catch (const std::exception& e) {  // e.g. std::bad_alloc on a hostile stream
    return InternalError(context + ": pickle interpreter failed: " + e.what());
  }
}

StatusOr<PickleValuePtr> RunRestrictedPickle(std::string_view data, const std::string& context) {
  static const TorchPickleRules kTorchRules;
  return RunPickle(data, context, kTorchRules);
}

}  // namespace vit
