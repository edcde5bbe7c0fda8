// The values a restricted pickle interpreter can produce for a torch.save
// state dict: plain data, containers, whitelisted globals and the descriptions
// (never the data) of storages and tensors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vit {

enum class PickleKind {
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kTuple,
  kList,
  kDict,     // dict or collections.OrderedDict
  kGlobal,   // a whitelisted "module name" reference, never called directly
  kStorage,  // a persistent id ('storage', type, key, location, numel)
  kTensor,   // the arguments of torch._utils._rebuild_tensor_v2
};

const char* PickleKindName(PickleKind kind);

// A torch storage as named by its persistent id; its bytes live in the
// archive record data/<key>.
struct PickleStorage {
  std::string type_name;  // e.g. "FloatStorage"
  std::string key;
  std::string location;  // e.g. "cpu", "cuda:0"; ignored (everything loads on the CPU)
  int64_t numel = 0;
};

// A tensor view over a storage, in elements.
struct PickleTensor {
  PickleStorage storage;
  int64_t storage_offset = 0;
  std::vector<int64_t> size;
  std::vector<int64_t> stride;
};

struct PickleValue;
using PickleValuePtr = std::shared_ptr<PickleValue>;

struct PickleValue {
  explicit PickleValue(PickleKind k) : kind(k) {}
  // Tears children down iteratively: a hostile pickle can nest containers
  // deeply enough that recursive shared_ptr destruction would overflow the stack.
  ~PickleValue();
  PickleValue(const PickleValue&) = delete;
  PickleValue& operator=(const PickleValue&) = delete;

  // Dict lookup by string key; nullptr when absent or not a dict.
  const PickleValue* Find(const std::string& key) const;

  PickleKind kind;
  int64_t int_value = 0;              // kInt, kBool
  double float_value = 0.0;           // kFloat
  std::string text;                   // kString; kGlobal as "module name"
  std::vector<PickleValuePtr> items;  // kTuple, kList
  // kDict entries in insertion order, and the position of each key
  // (encoded by DictKeyOf in pickle_machine.cc).
  std::vector<std::pair<PickleValuePtr, PickleValuePtr>> entries;
  std::unordered_map<std::string, size_t> index;
  // Set only for their kinds; held by pointer to keep the common values small.
  std::unique_ptr<PickleStorage> storage;  // kStorage
  std::unique_ptr<PickleTensor> tensor;    // kTensor
};

}  // namespace vit
