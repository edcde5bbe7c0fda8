// A malformed-checkpoint corpus: each case must give a clear error naming the
// file and the problem, never a crash.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/model_loader.h"
#include "model/safetensors.h"
#include "tests/support/files.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

class CheckpointErrorsTest : public ::testing::Test {
 protected:
  std::string WriteRaw(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ / name;
    EXPECT_TRUE(testing::WriteFile(path, bytes)) << path;
    return path;
  }

  // 8-byte little-endian length + header + data.
  std::string WriteSafetensors(const std::string& header, const std::string& data,
                               uint64_t length_override = 0) {
    std::string bytes;
    uint64_t n = length_override ? length_override : header.size();
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    return WriteRaw("model.safetensors", bytes + header + data);
  }

  // A valid timm fixture's tensors, edited by `edit`, written to dir_.
  std::string CopyFixtureWith(const std::function<void(TensorMap&)>& edit) {
    const fs::path src = fs::path(testing::FixturesDir()) / "timm_vit_gap_fcnorm";
    auto tensors = ReadSafetensors((src / "model.safetensors").string());
    EXPECT_TRUE(tensors.ok()) << tensors.status().ToString();
    edit(*tensors);
    EXPECT_TRUE(vit::WriteSafetensors(dir_ / "model.safetensors", *tensors).ok());
    fs::copy_file(src / "config.json", dir_ / "config.json");
    return dir_.path();
  }

  static void ExpectError(const Status& status, const std::string& fragment,
                          const std::string& file) {
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find(fragment), std::string::npos) << status.ToString();
    EXPECT_NE(status.message().find(file), std::string::npos)
        << "message should name " << file << ": " << status.ToString();
  }

  testing::TempFolder dir_{"vit-checkpoint-errors"};  // one per test
};

TEST_F(CheckpointErrorsTest, EmptyFile) {
  auto path = WriteRaw("model.safetensors", "");
  ExpectError(ReadSafetensors(path).status(), "too short", path);
}

TEST_F(CheckpointErrorsTest, HeaderLengthBeyondFile) {
  auto path = WriteSafetensors("{}", "", /*length_override=*/1000);
  ExpectError(ReadSafetensors(path).status(), "exceeds the file size", path);
}

TEST_F(CheckpointErrorsTest, InvalidJson) {
  auto path = WriteSafetensors("{\"a\": [1, 2", "");
  ExpectError(ReadSafetensors(path).status(), "not a valid JSON", path);
}

TEST_F(CheckpointErrorsTest, UnknownDtype) {
  auto path = WriteSafetensors(R"({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})",
                               std::string(8, 0));
  ExpectError(ReadSafetensors(path).status(), "unsupported dtype \"C64\"", path);
}

TEST_F(CheckpointErrorsTest, OffsetsOutOfRange) {
  auto path = WriteSafetensors(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})",
                               std::string(8, 0));
  ExpectError(ReadSafetensors(path).status(), "outside the data section", path);
}

TEST_F(CheckpointErrorsTest, OverlappingTensors) {
  auto path = WriteSafetensors(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                   "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                               std::string(12, 0));
  ExpectError(ReadSafetensors(path).status(), "overlap", path);
}

TEST_F(CheckpointErrorsTest, ShapeBytesMismatch) {
  auto path = WriteSafetensors(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
                               std::string(8, 0));
  ExpectError(ReadSafetensors(path).status(), "needs 12 bytes", path);
}

TEST_F(CheckpointErrorsTest, NegativeDimension) {
  auto path = WriteSafetensors(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
                               std::string(4, 0));
  ExpectError(ReadSafetensors(path).status(), "bad dimension", path);
}

TEST_F(CheckpointErrorsTest, ValidFileWithHalfPrecisionIsWidened) {
  // 1.0 and -2.0 in bf16 (0x3F80, 0xC000), little-endian.
  auto path = WriteSafetensors(R"({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}})",
                               std::string("\x80\x3f\x00\xc0", 4));
  auto tensors = ReadSafetensors(path);
  ASSERT_TRUE(tensors.ok()) << tensors.status().ToString();
  EXPECT_EQ((*tensors)[0].second.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ((*tensors)[0].second[1].item<float>(), -2.0f);
}

TEST_F(CheckpointErrorsTest, MissingKeyIsListedWithShape) {
  auto dir = CopyFixtureWith([](TensorMap& t) {
    t.erase(std::remove_if(t.begin(), t.end(),
                           [](const NamedTensor& e) { return e.first == "blocks.1.mlp.fc2.bias"; }),
            t.end());
  });
  auto model = LoadModelFolder(dir);
  ExpectError(model.status(), "1 missing: blocks.1.mlp.fc2.bias [64]", "model.safetensors");
}

TEST_F(CheckpointErrorsTest, UnexpectedKeyIsListed) {
  auto dir = CopyFixtureWith(
      [](TensorMap& t) { t.emplace_back("blocks.0.extra.weight", torch::zeros({3})); });
  ExpectError(LoadModelFolder(dir).status(), "1 unexpected: blocks.0.extra.weight [3]",
              "model.safetensors");
}

TEST_F(CheckpointErrorsTest, MisShapedKeyShowsExpectedAndActual) {
  auto dir = CopyFixtureWith([](TensorMap& t) {
    for (auto& [name, tensor] : t) {
      if (name == "blocks.0.norm1.weight") tensor = torch::zeros({65});
    }
  });
  ExpectError(LoadModelFolder(dir).status(), "blocks.0.norm1.weight (expected [64], got [65])",
              "model.safetensors");
}

TEST_F(CheckpointErrorsTest, FolderWithoutWeights) {
  WriteRaw("config.json", "{}");
  ExpectError(LoadModelFolder(dir_.path()).status(), "has no weights", dir_.path());
}

TEST_F(CheckpointErrorsTest, MissingFolderIsNotFound) {
  auto status = LoadModelFolder(dir_ / "nope").status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("nope"), std::string::npos);
}

TEST_F(CheckpointErrorsTest, InvalidConfigJsonIsNamed) {
  auto dir = CopyFixtureWith([](TensorMap&) {});
  WriteRaw("config.json", "{not json");
  ExpectError(LoadModelFolder(dir).status(), "config.json is not a JSON object", dir);
}

TEST_F(CheckpointErrorsTest, CorruptWeightsInModelFolderAreNamed) {
  WriteRaw("model.safetensors", std::string("\x05\x00\x00\x00\x00\x00\x00\x00{bad}", 13));
  ExpectError(LoadModelFolder(dir_.path()).status(), "not a valid JSON", "model.safetensors");
}

TEST_F(CheckpointErrorsTest, RoundTripThroughWriter) {
  TensorMap tensors;
  tensors.emplace_back("a", torch::arange(6, torch::kFloat32).reshape({2, 3}));
  tensors.emplace_back("b", torch::tensor({1, 2, 3}, torch::kUInt8));
  const std::string path = dir_ / "rt.safetensors";
  ASSERT_TRUE(vit::WriteSafetensors(path, tensors).ok());
  auto back = ReadSafetensorsRaw(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_TRUE((*back)[0].second.equal(tensors[0].second));
  EXPECT_TRUE((*back)[1].second.equal(tensors[1].second));
}

}  // namespace
}  // namespace vit
