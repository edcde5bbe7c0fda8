#include "model/pth_reader.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/pickle_machine.h"
#include "model/pth_archive.h"
#include "model/safetensors.h"
#include "tests/support/files.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit {
namespace {

std::string CorpusPath(const std::string& name) {
  return testing::SourceDir() + "/tests/model/data/pth/" + name;
}

std::string FixturePth() {
  return testing::FixturesDir() + "/torchvision_vit_patch16_224/model.pth";
}

// What make_corpus.py saves: arange(12).reshape(3, 4) / 4.
torch::Tensor Base() { return torch::arange(12, torch::kFloat32).reshape({3, 4}) / 4; }

std::map<std::string, torch::Tensor> ByName(const TensorMap& tensors) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, tensor] : tensors) out[name] = tensor;
  return out;
}

std::vector<std::string> Names(const TensorMap& tensors) {
  std::vector<std::string> out;
  for (const auto& entry : tensors) out.push_back(entry.first);
  return out;
}

void ExpectTensor(const TensorMap& tensors, const std::string& name, const torch::Tensor& want) {
  auto all = ByName(tensors);
  ASSERT_EQ(all.count(name), 1u) << name;
  const torch::Tensor& got = all[name];
  EXPECT_EQ(got.scalar_type(), torch::kFloat32) << name;
  EXPECT_TRUE(got.is_contiguous()) << name;
  EXPECT_EQ(got.sizes(), want.sizes()) << name;
  EXPECT_TRUE(torch::equal(got, want.to(torch::kFloat32))) << name << "\n" << got << "\n" << want;
}

// Asserts failure with `code` and a message naming the file and every `parts` entry.
void ExpectError(const StatusOr<TensorMap>& result, StatusCode code, const std::string& path,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(result.ok()) << path;
  const Status& status = result.status();
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(path), std::string::npos) << status.ToString();
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "missing '" << part << "' in: " << status.ToString();
  }
}

using testing::ReadFile;

std::string PickleOf(const std::string& archive_path) {
  auto archive = PthArchive::Open(archive_path);
  EXPECT_TRUE(archive.ok()) << archive.status().ToString();
  if (!archive.ok()) return "";
  auto record = (*archive)->Read("data.pkl");
  EXPECT_TRUE(record.ok()) << record.status().ToString();
  if (!record.ok()) return "";
  return std::string(static_cast<const char*>(record->data.get()), record->size);
}

// BINUNICODE with its 4-byte little-endian length (x86 is little-endian).
std::string Str(const std::string& text) {
  const uint32_t n = static_cast<uint32_t>(text.size());
  return "X" + std::string(reinterpret_cast<const char*>(&n), 4) + text;
}

StatusOr<PickleValuePtr> RunPickle(const std::string& bytes) {
  return RunRestrictedPickle(bytes, "test.pkl");
}

// --- The real torchvision checkpoint --------------------------------------

TEST(PthReaderTest, ReadsTorchvisionFixtureExactlyLikeSafetensors) {
  const std::string dir = testing::FixturesDir() + "/torchvision_vit_patch16_224";
  auto pth = ReadPthStateDict(dir + "/model.pth");
  ASSERT_TRUE(pth.ok()) << pth.status().ToString();
  auto reference = ReadSafetensors(dir + "/model.safetensors");
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();

  ASSERT_EQ(pth->size(), reference->size());
  ASSERT_EQ(pth->size(), 32u);
  // Pickle order is module registration order.
  EXPECT_EQ(pth->front().first, "class_token");
  EXPECT_EQ(pth->at(1).first, "conv_proj.weight");
  EXPECT_EQ(pth->back().first, "heads.head.bias");
  auto want = ByName(*reference);
  for (const auto& [name, tensor] : *pth) {
    ASSERT_EQ(want.count(name), 1u) << "unexpected tensor " << name;
    EXPECT_EQ(tensor.scalar_type(), torch::kFloat32) << name;
    EXPECT_TRUE(tensor.is_contiguous()) << name;
    EXPECT_EQ(tensor.sizes(), want[name].sizes()) << name;
    EXPECT_TRUE(torch::equal(tensor, want[name])) << name;
  }
  EXPECT_EQ(ByName(*pth)["conv_proj.weight"].sizes(), torch::IntArrayRef({96, 3, 16, 16}));
}

// --- Well-formed variants ---------------------------------------------------

TEST(PthReaderTest, WidensFloat16) {
  auto result = ReadPthStateDict(CorpusPath("fp16.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Names(*result), (std::vector<std::string>{"weight", "bias"}));
  ExpectTensor(*result, "weight", Base());
  ExpectTensor(*result, "bias", Base()[0]);
}

TEST(PthReaderTest, WidensBFloat16) {
  auto result = ReadPthStateDict(CorpusPath("bf16.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectTensor(*result, "weight", Base());
  ExpectTensor(*result, "bias", Base()[0]);
}

TEST(PthReaderTest, ReadsNonContiguousViewsOfSharedStorage) {
  auto result = ReadPthStateDict(CorpusPath("noncontiguous.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Names(*result), (std::vector<std::string>{"transposed", "slice", "full", "column"}));
  ExpectTensor(*result, "transposed", Base().t());
  ExpectTensor(*result, "slice", Base().slice(0, 1).slice(1, 1));
  ExpectTensor(*result, "full", Base());
  ExpectTensor(*result, "column", Base().select(1, 2));
  // Views of one storage come back as independent tensors.
  auto all = ByName(*result);
  all["full"].zero_();
  EXPECT_FLOAT_EQ(all["transposed"][1][0].item<float>(), 0.25f);
}

TEST(PthReaderTest, ReadsOtherDtypesAsFloat32) {
  auto result = ReadPthStateDict(CorpusPath("mixed_dtypes.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectTensor(*result, "double", Base());
  ExpectTensor(*result, "long", torch::arange(5, torch::kFloat32));
  ExpectTensor(*result, "bool", torch::tensor({1.0f, 0.0f, 1.0f}));
  ExpectTensor(*result, "int8", torch::tensor({-3.0f, 0.0f, 7.0f}));
  ExpectTensor(*result, "scalar", torch::tensor(2.5f));
  ExpectTensor(*result, "empty", torch::zeros({0, 3}));
}

TEST(PthReaderTest, ReadsProtocol4Pickles) {
  // FRAME, STACK_GLOBAL, MEMOIZE and SHORT_BINUNICODE instead of protocol 2's opcodes.
  auto result = ReadPthStateDict(CorpusPath("protocol4.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Names(*result), (std::vector<std::string>{"weight", "bias"}));
  ExpectTensor(*result, "weight", Base());
}

TEST(PthReaderTest, ReadsParameters) {
  auto result = ReadPthStateDict(CorpusPath("parameter.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectTensor(*result, "weight", Base());
}

TEST(PthReaderTest, ReadsBigEndianArchives) {
  auto result = ReadPthStateDict(CorpusPath("big_endian.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectTensor(*result, "weight", Base().flatten().slice(0, 0, 6).reshape({2, 3}));
}

TEST(PthReaderTest, UnwrapsNestedStateDict) {
  // {'epoch': 7, 'best_acc': 0.75, 'state_dict': {...}, 'optimizer': {...}}
  auto result = ReadPthStateDict(CorpusPath("nested.pth"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Names(*result), (std::vector<std::string>{"weight", "bias"}));
  ExpectTensor(*result, "weight", Base());
  ExpectTensor(*result, "bias", Base()[0]);
}

// --- Malformed files --------------------------------------------------------

TEST(PthReaderTest, RejectsMissingFile) {
  const std::string path = CorpusPath("does_not_exist.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kNotFound, path, {});
}

TEST(PthReaderTest, RejectsEmptyFile) {
  const std::string path = CorpusPath("empty.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kInvalidArgument, path, {"empty"});
}

TEST(PthReaderTest, RejectsNonZip) {
  const std::string path = CorpusPath("not_zip.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kInvalidArgument, path, {"not a zip"});
}

TEST(PthReaderTest, RejectsZipWithoutDataPkl) {
  const std::string path = CorpusPath("no_data_pkl.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kInvalidArgument, path, {"data.pkl"});
}

TEST(PthReaderTest, RejectsLegacyNonZipFormat) {
  const std::string path = CorpusPath("legacy.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kUnimplemented, path, {"legacy"});
}

TEST(PthReaderTest, RejectsTruncatedPickle) {
  const std::string path = CorpusPath("truncated_pickle.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kDataLoss, path, {"data.pkl", "byte "});
}

TEST(PthReaderTest, RejectsForbiddenGlobal) {
  // {'weight': ..., 'evil': obj} where obj.__reduce__ returns (os.system, (...)).
  const std::string path = CorpusPath("forbidden_global.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kInvalidArgument, path,
              {"data.pkl", "byte 181", "GLOBAL", "'posix system'"});
}

TEST(PthReaderTest, RejectsMissingStorageRecord) {
  const std::string path = CorpusPath("missing_storage.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kDataLoss, path, {"'weight'", "data/7"});
}

TEST(PthReaderTest, RejectsViewBeyondItsStorage) {
  // size (2, 4), stride (3, 1) over 6 elements reaches element 6.
  const std::string path = CorpusPath("out_of_bounds_view.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kDataLoss, path,
              {"'weight'", "exceeds its storage", "6 elements"});
}

TEST(PthReaderTest, RejectsStorageRecordOfWrongSize) {
  const std::string path = CorpusPath("short_storage_record.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kDataLoss, path, {"data/0", "20 bytes"});
}

TEST(PthReaderTest, RejectsStorageDeclaredWithTwoTypes) {
  const std::string path = CorpusPath("conflicting_storage.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kInvalidArgument, path,
              {"'b'", "FloatStorage[6]", "HalfStorage[12]"});
}

TEST(PthReaderTest, RejectsTopLevelThatIsNotAStateDict) {
  const std::string path = CorpusPath("not_a_state_dict.pth");
  ExpectError(ReadPthStateDict(path), StatusCode::kInvalidArgument, path, {"list"});
}

TEST(PthReaderTest, RejectsEveryTruncationOfAnArchive) {
  const std::string whole = ReadFile(CorpusPath("fp16.pth"));
  ASSERT_GT(whole.size(), 100u);
  testing::TempFolder dir("vit-pth-reader");
  const std::string path = dir / "truncated.pth";
  for (size_t length = 0; length < whole.size(); length += 7) {
    ASSERT_TRUE(testing::WriteFile(path, whole.substr(0, length)));
    auto result = ReadPthStateDict(path);
    EXPECT_FALSE(result.ok()) << "length " << length;
    EXPECT_FALSE(result.status().message().empty());
  }
}

TEST(PthReaderTest, SurvivesCorruptedArchiveBytes) {
  // Flipped bytes anywhere in the zip: a clean result or a clean error, never a crash.
  const std::string whole = ReadFile(CorpusPath("noncontiguous.pth"));
  ASSERT_GT(whole.size(), 100u);
  testing::TempFolder dir("vit-pth-reader");
  const std::string path = dir / "corrupt.pth";
  int failures = 0;
  for (size_t i = 0; i < whole.size(); i += 3) {
    std::string corrupt = whole;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
    ASSERT_TRUE(testing::WriteFile(path, corrupt));
    auto result = ReadPthStateDict(path);
    if (!result.ok()) {
      ++failures;
      EXPECT_FALSE(result.status().message().empty());
    }
  }
  EXPECT_GT(failures, 0);
}

// --- The pickle interpreter on its own --------------------------------------

TEST(PickleMachineTest, RejectsUnknownOpcode) {
  // PROTO 2, EMPTY_LIST, NEWOBJ.
  auto result = RunPickle(std::string("\x80\x02]\x81.", 5));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(result.status().message().find("test.pkl: byte 3 (opcode NEWOBJ 0x81)"),
            std::string::npos)
      << result.status().ToString();
}

TEST(PickleMachineTest, RejectsForbiddenGlobalWithoutRunningIt) {
  auto result = RunPickle(
      "\x80\x02"
      "cbuiltins\neval\n" +
      Str("1+1") + "\x85R.");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("byte 2 (opcode GLOBAL 0x63)"), std::string::npos);
  EXPECT_NE(result.status().message().find("'builtins eval'"), std::string::npos);
}

TEST(PickleMachineTest, RejectsForbiddenStackGlobal) {
  auto result = RunPickle("\x80\x04\x8c\x02os\x8c\x06system\x93.");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("STACK_GLOBAL"), std::string::npos);
  EXPECT_NE(result.status().message().find("'os system'"), std::string::npos);
}

TEST(PickleMachineTest, RejectsStackUnderflow) {
  auto result = RunPickle("\x80\x02s.");  // SETITEM on an empty stack
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("byte 2 (opcode SETITEM"), std::string::npos);
  EXPECT_NE(result.status().message().find("underflow"), std::string::npos);
}

TEST(PickleMachineTest, RejectsValuesBelowAMark) {
  // EMPTY_DICT MARK SETITEM: the dict sits below the mark and may not be popped.
  auto result = RunPickle("\x80\x02}(s.");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("underflow"), std::string::npos);
}

TEST(PickleMachineTest, RejectsBadMemoIndex) {
  auto result = RunPickle(std::string("\x80\x02}q\x00h\x01.", 7));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("byte 5 (opcode BINGET"), std::string::npos);
  EXPECT_NE(result.status().message().find("memo index 1"), std::string::npos);
}

TEST(PickleMachineTest, RejectsMismatchedTypes) {
  // SETITEM on a list.
  auto on_list = RunPickle("\x80\x02]K\x01K\x02s.");
  ASSERT_FALSE(on_list.ok());
  EXPECT_EQ(on_list.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(on_list.status().message().find("expects a dict"), std::string::npos);
  // _rebuild_tensor_v2 called on ints instead of a storage.
  auto bad_args = RunPickle(
      "\x80\x02"
      "ctorch._utils\n_rebuild_tensor_v2\n"
      "(K" +
      std::string(1, '\0') + "K" + std::string(1, '\0') + ")))\x89}tR.");
  ASSERT_FALSE(bad_args.ok());
  EXPECT_NE(bad_args.status().message().find("_rebuild_tensor_v2 arguments"), std::string::npos)
      << bad_args.status().ToString();
  // A persistent id whose storage type is a function, not a storage class.
  auto bad_storage =
      RunPickle("\x80\x02(" + Str("storage") + "ctorch._utils\n_rebuild_tensor_v2\n" + Str("0") +
                Str("cpu") + "K\x06tQ.");
  ASSERT_FALSE(bad_storage.ok());
  EXPECT_NE(bad_storage.status().message().find("BINPERSID"), std::string::npos);
  EXPECT_NE(bad_storage.status().message().find("not a torch storage class"), std::string::npos);
  // Calling a storage class.
  auto call_storage = RunPickle(
      "\x80\x02"
      "ctorch\nFloatStorage\n"
      ")R.");
  ASSERT_FALSE(call_storage.ok());
  EXPECT_NE(call_storage.status().message().find("cannot be called"), std::string::npos);
}

TEST(PickleMachineTest, RejectsMissingStopAndLeftovers) {
  EXPECT_EQ(RunPickle("\x80\x02}").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(RunPickle("\x80\x02}}.").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(RunPickle("").status().code(), StatusCode::kDataLoss);
}

TEST(PickleMachineTest, KeepsDictOrderAndLastWriteWins) {
  auto result =
      RunPickle("\x80\x02}(" + Str("b") + "K\x01" + Str("a") + "K\x02" + Str("b") + "K\x03u.");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const PickleValue& dict = **result;
  ASSERT_EQ(dict.entries.size(), 2u);
  EXPECT_EQ(dict.entries[0].first->text, "b");
  EXPECT_EQ(dict.entries[0].second->int_value, 3);
  EXPECT_EQ(dict.entries[1].first->text, "a");
}

TEST(PickleMachineTest, RejectsPicklesThatCreateTooManyValues) {
  // {1: 1} rewritten a million times: memory stays flat, but the value budget runs out.
  std::string bytes = "\x80\x02}";
  for (int i = 0; i < 1100000; ++i) bytes += "K\x01K\x01s";
  auto result = RunPickle(bytes + ".");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(result.status().message().find("values"), std::string::npos);
}

TEST(PickleMachineTest, SurvivesDeeplyNestedContainers) {
  // None wrapped in a million 1-tuples: a tiny stack but a deep tree, which recursive
  // destruction would turn into a stack overflow.
  const int depth = 1000000;
  auto result = RunPickle("\x80\x02N" + std::string(depth, '\x85') + ".");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const PickleValue* node = result->get();
  int levels = 0;
  while (node->kind == PickleKind::kTuple) {
    node = node->items.at(0).get();
    ++levels;
  }
  EXPECT_EQ(levels, depth);
  EXPECT_EQ(node->kind, PickleKind::kNone);
}

TEST(PickleMachineTest, EveryTruncationOfARealPickleIsAnError) {
  const std::string pickle = PickleOf(CorpusPath("nested.pth"));
  ASSERT_FALSE(pickle.empty());
  ASSERT_TRUE(RunPickle(pickle).ok());
  for (size_t length = 0; length < pickle.size(); ++length) {
    auto result = RunPickle(pickle.substr(0, length));
    EXPECT_FALSE(result.ok()) << "length " << length;
    EXPECT_EQ(result.status().message().rfind("test.pkl: byte ", 0), 0u)
        << result.status().ToString();
  }
}

TEST(PickleMachineTest, SurvivesMutatedPickles) {
  const std::string pickle = PickleOf(FixturePth());
  ASSERT_FALSE(pickle.empty());
  ASSERT_TRUE(RunPickle(pickle).ok());
  const unsigned char replacements[] = {0x00, 0xff, 'K', '(', 'h', 'j', 'R', 'b', 's', 'u', '.'};
  for (size_t i = 0; i < pickle.size(); i += 5) {
    for (unsigned char r : replacements) {
      std::string mutated = pickle;
      mutated[i] = static_cast<char>(r);
      auto result = RunPickle(mutated);
      if (!result.ok()) {
        EXPECT_EQ(result.status().message().rfind("test.pkl: byte ", 0), 0u)
            << result.status().ToString();
      }
    }
  }
}

}  // namespace
}  // namespace vit
