#include "model/pickle_machine.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/pickle_opcodes.h"

namespace vit {
namespace {

namespace op = pickle_op;

constexpr const char* kOrderedDict = "collections OrderedDict";
constexpr const char* kRebuildTensorV2 = "torch._utils _rebuild_tensor_v2";
constexpr const char* kRebuildParameter = "torch._utils _rebuild_parameter";

// The only globals a state dict may name.
bool IsAllowedGlobal(const std::string& qualified) {
  static const char* const kAllowed[] = {
      kOrderedDict,        kRebuildTensorV2,        kRebuildParameter,     "torch FloatStorage",
      "torch HalfStorage", "torch BFloat16Storage", "torch DoubleStorage", "torch LongStorage",
      "torch IntStorage",  "torch ShortStorage",    "torch CharStorage",   "torch ByteStorage",
      "torch BoolStorage",
  };
  for (const char* allowed : kAllowed) {
    if (qualified == allowed) return true;
  }
  return false;
}

bool IsStorageGlobal(const PickleValue& value) {
  return value.kind == PickleKind::kGlobal && value.text.rfind("torch ", 0) == 0 &&
         value.text.size() > 13 && value.text.compare(value.text.size() - 7, 7, "Storage") == 0;
}

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

// Printable, bounded rendering of a name from the file for error messages.
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text.substr(0, 80)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > 80) out += "...";
  return out + "'";
}

class Machine {
 public:
  Machine(std::string_view data, const std::string& context) : data_(data), context_(context) {}

  StatusOr<PickleValuePtr> Run() {
    while (true) {
      op_pos_ = pos_;
      if (pos_ >= data_.size()) {
        return Fail(StatusCode::kDataLoss, "pickle ends without STOP", /*with_opcode=*/false);
      }
      op_ = static_cast<uint8_t>(data_[pos_++]);
      if (op_ == op::kStop) break;
      VIT_RETURN_IF_ERROR(Step());
      if (values_created_ > kMaxValues) {
        return Fail(StatusCode::kResourceExhausted,
                    "more than " + std::to_string(kMaxValues) + " values; not a state dict");
      }
    }
    if (!marks_.empty() || stack_.size() != 1) {
      return Fail(StatusCode::kDataLoss, "stack holds " + std::to_string(stack_.size()) +
                                             " values and " + std::to_string(marks_.size()) +
                                             " open marks at STOP, expected exactly one value");
    }
    return std::move(stack_.back());
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

  Status Need(size_t n) const {
    if (data_.size() - pos_ < n) {
      return Fail(StatusCode::kDataLoss, "truncated: needs " + std::to_string(n) +
                                             " argument bytes, " +
                                             std::to_string(data_.size() - pos_) + " remain");
    }
    return Status::Ok();
  }

  // Little-endian unsigned integer of n <= 8 bytes; call Need(n) first.
  uint64_t TakeLE(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    }
    pos_ += n;
    return v;
  }

  StatusOr<uint64_t> ReadLE(size_t n) {
    VIT_RETURN_IF_ERROR(Need(n));
    return TakeLE(n);
  }

  StatusOr<std::string> ReadBytes(uint64_t n) {
    if (n > data_.size() - pos_) {
      return Fail(StatusCode::kDataLoss, "truncated: string of " + std::to_string(n) + " bytes, " +
                                             std::to_string(data_.size() - pos_) + " remain");
    }
    std::string out(data_.substr(pos_, n));
    pos_ += n;
    return out;
  }

  // A newline-terminated argument of GLOBAL.
  StatusOr<std::string> ReadLine() {
    size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) {
      return Fail(StatusCode::kDataLoss, "truncated: missing newline in argument");
    }
    std::string out(data_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }

  // Values above the innermost mark are the only ones an opcode may consume.
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }

  StatusOr<PickleValuePtr> Pop() {
    if (stack_.size() <= Floor()) return Fail(StatusCode::kDataLoss, "stack underflow");
    PickleValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }

  StatusOr<PickleValue*> Top(PickleKind expected) {
    if (stack_.size() <= Floor()) return Fail(StatusCode::kDataLoss, "stack underflow");
    PickleValue* top = stack_.back().get();
    if (top->kind != expected) {
      return Fail(StatusCode::kInvalidArgument,
                  std::string("expects a ") + PickleKindName(expected) + " on the stack, found " +
                      PickleKindName(top->kind));
    }
    return top;
  }

  StatusOr<std::vector<PickleValuePtr>> PopToMark() {
    if (marks_.empty()) return Fail(StatusCode::kDataLoss, "no MARK on the stack");
    size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValuePtr> items(std::make_move_iterator(stack_.begin() + mark),
                                      std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }

  PickleValuePtr Make(PickleKind kind) {
    ++values_created_;
    return std::make_shared<PickleValue>(kind);
  }

  void Push(PickleValuePtr v) { stack_.push_back(std::move(v)); }

  void PushInt(int64_t v) {
    PickleValuePtr p = Make(PickleKind::kInt);
    p->int_value = v;
    Push(std::move(p));
  }

  void PushString(std::string s) {
    PickleValuePtr p = Make(PickleKind::kString);
    p->text = std::move(s);
    Push(std::move(p));
  }

  Status Memoize(uint64_t index) {
    if (stack_.size() <= Floor()) {
      return Fail(StatusCode::kDataLoss, "nothing on the stack to memoize");
    }
    memo_[index] = stack_.back();
    return Status::Ok();
  }

  Status Recall(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) {
      return Fail(StatusCode::kDataLoss, "memo index " + std::to_string(index) + " is not defined");
    }
    Push(it->second);
    return Status::Ok();
  }

  Status SetItems(PickleValue* dict, std::vector<PickleValuePtr> kv) {
    if (kv.size() % 2 != 0) return Fail(StatusCode::kDataLoss, "odd number of key/value items");
    for (size_t i = 0; i < kv.size(); i += 2) {
      std::optional<std::string> key = DictKeyOf(*kv[i]);
      if (!key) {
        return Fail(StatusCode::kInvalidArgument,
                    std::string("unsupported dict key type ") + PickleKindName(kv[i]->kind));
      }
      auto [it, inserted] = dict->index.emplace(*key, dict->entries.size());
      if (inserted) {
        dict->entries.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
      } else {
        dict->entries[it->second].second = std::move(kv[i + 1]);  // Python: last write wins
      }
    }
    return Status::Ok();
  }

  Status PushGlobal(const std::string& module, const std::string& name) {
    std::string qualified = module + " " + name;
    if (!IsAllowedGlobal(qualified)) {
      return Fail(StatusCode::kInvalidArgument,
                  "refusing global " + Quote(qualified) +
                      ": not part of a tensor state dict (it is never imported or called)");
    }
    PickleValuePtr g = Make(PickleKind::kGlobal);
    g->text = std::move(qualified);
    Push(std::move(g));
    return Status::Ok();
  }

  // ('storage', storage_type, key, location, numel) -> a storage description.
  Status PersistentLoad() {
    StatusOr<PickleValuePtr> pid = Pop();
    if (!pid.ok()) return pid.status();
    const PickleValue& t = **pid;
    if (t.kind != PickleKind::kTuple || t.items.size() != 5 ||
        t.items[0]->kind != PickleKind::kString || t.items[0]->text != "storage") {
      return Fail(StatusCode::kInvalidArgument,
                  "persistent id is not ('storage', type, key, location, numel)");
    }
    if (!IsStorageGlobal(*t.items[1])) {
      return Fail(StatusCode::kInvalidArgument,
                  std::string("storage type is a ") + PickleKindName(t.items[1]->kind) + " " +
                      Quote(t.items[1]->text) + ", not a torch storage class");
    }
    if (t.items[2]->kind != PickleKind::kString || t.items[3]->kind != PickleKind::kString ||
        t.items[4]->kind != PickleKind::kInt || t.items[4]->int_value < 0) {
      return Fail(StatusCode::kInvalidArgument,
                  "storage key and location must be strings and numel a non-negative int");
    }
    PickleValuePtr s = Make(PickleKind::kStorage);
    s->storage = std::make_unique<PickleStorage>();
    s->storage->type_name = t.items[1]->text.substr(6);  // drop "torch "
    s->storage->key = t.items[2]->text;
    s->storage->location = t.items[3]->text;
    s->storage->numel = t.items[4]->int_value;
    Push(std::move(s));
    return Status::Ok();
  }

  StatusOr<std::vector<int64_t>> IntTuple(const PickleValue& v, const char* what) {
    if (v.kind != PickleKind::kTuple) {
      return Fail(StatusCode::kInvalidArgument,
                  std::string(what) + " must be a tuple, found " + PickleKindName(v.kind));
    }
    std::vector<int64_t> out;
    for (const PickleValuePtr& item : v.items) {
      if (item->kind != PickleKind::kInt) {
        return Fail(StatusCode::kInvalidArgument,
                    std::string(what) + " holds a " + PickleKindName(item->kind) + ", not an int");
      }
      out.push_back(item->int_value);
    }
    return out;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
  //                    backward_hooks[, metadata])
  Status RebuildTensor(const std::vector<PickleValuePtr>& args) {
    if (args.size() != 6 && args.size() != 7) {
      return Fail(StatusCode::kInvalidArgument,
                  "_rebuild_tensor_v2 takes 6 or 7 arguments, got " + std::to_string(args.size()));
    }
    if (args[0]->kind != PickleKind::kStorage || args[1]->kind != PickleKind::kInt ||
        args[4]->kind != PickleKind::kBool || args[5]->kind != PickleKind::kDict) {
      return Fail(StatusCode::kInvalidArgument,
                  std::string("_rebuild_tensor_v2 arguments must be (storage, int, tuple, tuple, "
                              "bool, dict), got (") +
                      PickleKindName(args[0]->kind) + ", " + PickleKindName(args[1]->kind) + ", " +
                      PickleKindName(args[2]->kind) + ", " + PickleKindName(args[3]->kind) + ", " +
                      PickleKindName(args[4]->kind) + ", " + PickleKindName(args[5]->kind) + ")");
    }
    // Non-empty metadata carries tensor flags (conjugate, negative bits) we do not model.
    if (args.size() == 7 && args[6]->kind != PickleKind::kNone &&
        !(args[6]->kind == PickleKind::kDict && args[6]->entries.empty())) {
      return Fail(StatusCode::kUnimplemented, "tensor metadata argument is not supported");
    }
    StatusOr<std::vector<int64_t>> size = IntTuple(*args[2], "tensor size");
    if (!size.ok()) return size.status();
    StatusOr<std::vector<int64_t>> stride = IntTuple(*args[3], "tensor stride");
    if (!stride.ok()) return stride.status();
    if (size->size() != stride->size()) {
      return Fail(StatusCode::kInvalidArgument, "tensor size has " + std::to_string(size->size()) +
                                                    " dims but stride has " +
                                                    std::to_string(stride->size()));
    }
    PickleValuePtr t = Make(PickleKind::kTensor);
    t->tensor = std::make_unique<PickleTensor>();
    t->tensor->storage = *args[0]->storage;
    t->tensor->storage_offset = args[1]->int_value;
    t->tensor->size = std::move(*size);
    t->tensor->stride = std::move(*stride);
    Push(std::move(t));
    return Status::Ok();
  }

  Status Reduce() {
    StatusOr<PickleValuePtr> args = Pop();
    if (!args.ok()) return args.status();
    StatusOr<PickleValuePtr> callable = Pop();
    if (!callable.ok()) return callable.status();
    if ((*callable)->kind != PickleKind::kGlobal || (*args)->kind != PickleKind::kTuple) {
      return Fail(StatusCode::kInvalidArgument, std::string("expects (global, tuple), found (") +
                                                    PickleKindName((*callable)->kind) + ", " +
                                                    PickleKindName((*args)->kind) + ")");
    }
    const std::string& name = (*callable)->text;
    const std::vector<PickleValuePtr>& a = (*args)->items;
    if (name == kOrderedDict) {
      if (!a.empty()) return Fail(StatusCode::kInvalidArgument, "OrderedDict() takes no arguments");
      Push(Make(PickleKind::kDict));
      return Status::Ok();
    }
    if (name == kRebuildTensorV2) return RebuildTensor(a);
    if (name == kRebuildParameter) {
      // _rebuild_parameter(data, requires_grad, backward_hooks): the tensor itself.
      if (a.size() != 3 || a[0]->kind != PickleKind::kTensor || a[1]->kind != PickleKind::kBool ||
          a[2]->kind != PickleKind::kDict) {
        return Fail(StatusCode::kInvalidArgument,
                    "_rebuild_parameter arguments must be (tensor, bool, dict)");
      }
      Push(a[0]);
      return Status::Ok();
    }
    return Fail(StatusCode::kInvalidArgument, "global " + Quote(name) + " cannot be called");
  }

  Status Build() {
    StatusOr<PickleValuePtr> state = Pop();
    if (!state.ok()) return state.status();
    StatusOr<PickleValue*> target = Top(PickleKind::kDict);
    if (!target.ok()) return target.status();
    // OrderedDict attributes, i.e. a state dict's `_metadata` (module versions): dropped.
    if ((*state)->kind != PickleKind::kDict && (*state)->kind != PickleKind::kNone) {
      return Fail(StatusCode::kInvalidArgument, std::string("dict state must be a dict, found ") +
                                                    PickleKindName((*state)->kind));
    }
    return Status::Ok();
  }

  Status Step() {
    switch (op_) {
      case op::kProto: {
        StatusOr<uint64_t> v = ReadLE(1);
        if (!v.ok()) return v.status();
        if (*v > 5)
          return Fail(StatusCode::kUnimplemented, "pickle protocol " + std::to_string(*v));
        return Status::Ok();
      }
      case op::kFrame:  // framing only groups opcodes; reading op by op is unaffected
        return ReadLE(8).status();
      case op::kMark:
        marks_.push_back(stack_.size());
        return Status::Ok();
      case op::kNone:
        Push(Make(PickleKind::kNone));
        return Status::Ok();
      case op::kNewTrue:
      case op::kNewFalse: {
        PickleValuePtr b = Make(PickleKind::kBool);
        b->int_value = op_ == op::kNewTrue ? 1 : 0;
        Push(std::move(b));
        return Status::Ok();
      }
      case op::kBinInt1:
      case op::kBinInt2: {
        StatusOr<uint64_t> v = ReadLE(op_ == op::kBinInt1 ? 1 : 2);
        if (!v.ok()) return v.status();
        PushInt(static_cast<int64_t>(*v));
        return Status::Ok();
      }
      case op::kBinInt: {
        StatusOr<uint64_t> v = ReadLE(4);
        if (!v.ok()) return v.status();
        PushInt(static_cast<int32_t>(static_cast<uint32_t>(*v)));
        return Status::Ok();
      }
      case op::kLong1: {
        StatusOr<uint64_t> n = ReadLE(1);
        if (!n.ok()) return n.status();
        if (*n > 8) return Fail(StatusCode::kInvalidArgument, "integer wider than 64 bits");
        StatusOr<uint64_t> v = ReadLE(*n);
        if (!v.ok()) return v.status();
        uint64_t u = *v;
        if (*n > 0 && *n < 8 && (u >> (8 * *n - 1)) & 1) u |= ~uint64_t{0} << (8 * *n);  // sign
        PushInt(static_cast<int64_t>(u));
        return Status::Ok();
      }
      case op::kBinFloat: {
        StatusOr<uint64_t> le = ReadLE(8);
        if (!le.ok()) return le.status();
        uint64_t bits = __builtin_bswap64(*le);  // BINFLOAT is big-endian
        PickleValuePtr f = Make(PickleKind::kFloat);
        std::memcpy(&f->float_value, &bits, sizeof(bits));
        Push(std::move(f));
        return Status::Ok();
      }
      case op::kShortBinUnicode:
      case op::kBinUnicode:
      case op::kBinUnicode8: {
        StatusOr<uint64_t> n = ReadLE(op_ == op::kShortBinUnicode ? 1
                                      : op_ == op::kBinUnicode    ? 4
                                                                  : 8);
        if (!n.ok()) return n.status();
        StatusOr<std::string> s = ReadBytes(*n);
        if (!s.ok()) return s.status();
        PushString(std::move(*s));
        return Status::Ok();
      }
      case op::kGlobal: {
        StatusOr<std::string> module = ReadLine();
        if (!module.ok()) return module.status();
        StatusOr<std::string> name = ReadLine();
        if (!name.ok()) return name.status();
        return PushGlobal(*module, *name);
      }
      case op::kStackGlobal: {
        StatusOr<PickleValuePtr> name = Pop();
        if (!name.ok()) return name.status();
        StatusOr<PickleValuePtr> module = Pop();
        if (!module.ok()) return module.status();
        if ((*module)->kind != PickleKind::kString || (*name)->kind != PickleKind::kString) {
          return Fail(StatusCode::kInvalidArgument, "module and name must be strings");
        }
        return PushGlobal((*module)->text, (*name)->text);
      }
      case op::kEmptyTuple:
        Push(Make(PickleKind::kTuple));
        return Status::Ok();
      case op::kEmptyList:
        Push(Make(PickleKind::kList));
        return Status::Ok();
      case op::kEmptyDict:
        Push(Make(PickleKind::kDict));
        return Status::Ok();
      case op::kTuple1:
      case op::kTuple2:
      case op::kTuple3: {
        size_t n = op_ - op::kTuple1 + 1;
        PickleValuePtr t = Make(PickleKind::kTuple);
        t->items.resize(n);
        for (size_t i = n; i-- > 0;) {
          StatusOr<PickleValuePtr> v = Pop();
          if (!v.ok()) return v.status();
          t->items[i] = std::move(*v);
        }
        Push(std::move(t));
        return Status::Ok();
      }
      case op::kTuple: {
        StatusOr<std::vector<PickleValuePtr>> items = PopToMark();
        if (!items.ok()) return items.status();
        PickleValuePtr t = Make(PickleKind::kTuple);
        t->items = std::move(*items);
        Push(std::move(t));
        return Status::Ok();
      }
      case op::kAppend: {
        StatusOr<PickleValuePtr> v = Pop();
        if (!v.ok()) return v.status();
        StatusOr<PickleValue*> list = Top(PickleKind::kList);
        if (!list.ok()) return list.status();
        (*list)->items.push_back(std::move(*v));
        return Status::Ok();
      }
      case op::kAppends: {
        StatusOr<std::vector<PickleValuePtr>> items = PopToMark();
        if (!items.ok()) return items.status();
        StatusOr<PickleValue*> list = Top(PickleKind::kList);
        if (!list.ok()) return list.status();
        for (auto& item : *items) (*list)->items.push_back(std::move(item));
        return Status::Ok();
      }
      case op::kSetItem: {
        StatusOr<PickleValuePtr> value = Pop();
        if (!value.ok()) return value.status();
        StatusOr<PickleValuePtr> key = Pop();
        if (!key.ok()) return key.status();
        StatusOr<PickleValue*> dict = Top(PickleKind::kDict);
        if (!dict.ok()) return dict.status();
        std::vector<PickleValuePtr> kv;
        kv.push_back(std::move(*key));
        kv.push_back(std::move(*value));
        return SetItems(*dict, std::move(kv));
      }
      case op::kSetItems: {
        StatusOr<std::vector<PickleValuePtr>> kv = PopToMark();
        if (!kv.ok()) return kv.status();
        StatusOr<PickleValue*> dict = Top(PickleKind::kDict);
        if (!dict.ok()) return dict.status();
        return SetItems(*dict, std::move(*kv));
      }
      case op::kBinPut:
      case op::kLongBinPut: {
        StatusOr<uint64_t> index = ReadLE(op_ == op::kBinPut ? 1 : 4);
        if (!index.ok()) return index.status();
        return Memoize(*index);
      }
      case op::kMemoize:
        return Memoize(memo_.size());
      case op::kBinGet:
      case op::kLongBinGet: {
        StatusOr<uint64_t> index = ReadLE(op_ == op::kBinGet ? 1 : 4);
        if (!index.ok()) return index.status();
        return Recall(*index);
      }
      case op::kBinPersId:
        return PersistentLoad();
      case op::kReduce:
        return Reduce();
      case op::kBuild:
        return Build();
      default:
        return Fail(StatusCode::kUnimplemented, "opcode not supported in a state dict pickle");
    }
  }

  std::string_view data_;
  const std::string& context_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  uint8_t op_ = 0;
  std::vector<PickleValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PickleValuePtr> memo_;
  size_t values_created_ = 0;
};

}  // namespace

StatusOr<PickleValuePtr> RunRestrictedPickle(std::string_view data, const std::string& context) {
  try {
    return Machine(data, context).Run();
  } catch (const std::exception& e) {  // e.g. std::bad_alloc on a hostile stream
    return InternalError(context + ": pickle interpreter failed: " + e.what());
  }
}

}  // namespace vit
