// The model repository on disk: model folders, version folders, the
// settings file and its errors (server/repository/).
#include <gtest/gtest.h>

#include <string>

#include "server/repository/memory_estimate.h"
#include "server/repository/model_settings.h"
#include "server/repository/repository_scan.h"
#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit::server::repository {
namespace {

using vit::testing::TempFolder;
using vit::testing::WriteFile;

void MakeModelFolder(const std::string& folder, int weights_bytes = 100) {
  ASSERT_TRUE(WriteFile(folder + "/config.json", "{}"));
  ASSERT_TRUE(WriteFile(folder + "/model.safetensors", std::string(weights_bytes, 'w')));
}

TEST(RepositoryScanTest, FindsPlainAndVersionedModelsSortedByName) {
  TempFolder repo("repository-scan");
  MakeModelFolder(repo / "plain", 40);
  MakeModelFolder(repo / "versioned/1");
  MakeModelFolder(repo / "versioned/2", 60);
  MakeModelFolder(repo / "versioned/10");
  MakeModelFolder(repo / "versioned/01");    // leading zero: ignored
  MakeModelFolder(repo / "versioned/0");     // ignored
  MakeModelFolder(repo / "versioned/beta");  // not numeric: ignored
  MakeModelFolder(repo / ".hidden");
  ASSERT_TRUE(WriteFile(repo / "README.txt", "not a model"));

  StatusOr<std::vector<RepositoryModel>> models = ScanRepository(repo.path());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].name, "plain");
  ASSERT_EQ((*models)[0].versions.size(), 1u);
  EXPECT_EQ((*models)[0].versions[0].version, 1);
  EXPECT_EQ((*models)[0].versions[0].path, repo / "plain");
  EXPECT_EQ((*models)[0].versions[0].weights_bytes, 40);

  const RepositoryModel& versioned = (*models)[1];
  EXPECT_EQ(versioned.name, "versioned");
  ASSERT_EQ(versioned.versions.size(), 3u);
  EXPECT_EQ(versioned.versions[0].version, 1);
  EXPECT_EQ(versioned.versions[1].version, 2);
  EXPECT_EQ(versioned.versions[2].version, 10);
  StatusOr<ModelVersionSource> served = ServedVersion(versioned);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(served->version, 10);  // numeric order, not text order
  EXPECT_EQ(served->path, repo / "versioned/10");
}

TEST(RepositoryScanTest, MissingRepositoryIsNotFound) {
  StatusOr<std::vector<RepositoryModel>> models = ScanRepository("/nonexistent/repository");
  ASSERT_FALSE(models.ok());
  EXPECT_EQ(models.status().code(), StatusCode::kNotFound);
  EXPECT_NE(models.status().message().find("/nonexistent/repository"), std::string::npos);
}

TEST(RepositoryScanTest, SpecificPolicyPinsTheServedVersion) {
  TempFolder repo("repository-scan");
  MakeModelFolder(repo / "m/1");
  MakeModelFolder(repo / "m/2", 70);
  MakeModelFolder(repo / "m/3");
  ASSERT_TRUE(WriteFile(repo / "m/vit-serve.json",
                        R"({"version_policy": {"specific": {"versions": [1, 2]}},
                            "max_batch_size": 4, "dtype": "bf16"})"));
  RepositoryModel model = ScanModel("m", repo / "m");
  ASSERT_TRUE(model.settings_status.ok()) << model.settings_status.ToString();
  StatusOr<ModelVersionSource> served = ServedVersion(model);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(served->version, 2);
  EXPECT_EQ(served->weights_bytes, 70);
  EXPECT_EQ(model.settings.max_batch_size, 4);
  EXPECT_EQ(model.settings.dtype, "bf16");
}

TEST(RepositoryScanTest, NoMatchingVersionNamesModelAndVersions) {
  TempFolder repo("repository-scan");
  MakeModelFolder(repo / "m/1");
  ASSERT_TRUE(WriteFile(repo / "m/vit-serve.json", R"({"version_policy": {"specific": [5]}})"));
  StatusOr<ModelVersionSource> served = ServedVersion(ScanModel("m", repo / "m"));
  ASSERT_FALSE(served.ok());
  EXPECT_EQ(served.status().code(), StatusCode::kNotFound);
  EXPECT_NE(served.status().message().find("[5]"), std::string::npos) << served.status().message();
  EXPECT_NE(served.status().message().find("(1)"), std::string::npos) << served.status().message();

  StatusOr<ModelVersionSource> empty = ServedVersion(ScanModel("e", repo / "m/none"));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no config.json"), std::string::npos);
}

TEST(RepositoryScanTest, FingerprintChangesWhenWeightsChange) {
  TempFolder repo("repository-scan");
  MakeModelFolder(repo / "m/1", 10);
  const std::string before = ScanModel("m", repo / "m").versions[0].fingerprint;
  MakeModelFolder(repo / "m/1", 11);
  EXPECT_NE(ScanModel("m", repo / "m").versions[0].fingerprint, before);
}

TEST(RepositoryScanTest, SingleModelIsNamedByItsFolder) {
  TempFolder repo("repository-scan");
  MakeModelFolder(repo / "my-model");
  StatusOr<RepositoryModel> model = ScanSingleModel(repo / "my-model/");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->name, "my-model");
  ASSERT_EQ(model->versions.size(), 1u);
  EXPECT_FALSE(ScanSingleModel(repo / "absent").ok());
}

TEST(ModelSettingsTest, ParsesEveryField) {
  StatusOr<ModelSettings> settings = ParseModelSettings(
      R"({"version_policy": {"specific": [3, 1]}, "max_batch_size": 16,
          "max_queue_delay_microseconds": 0, "dtype": "int8", "threads": 2, "default_top_k": 3})",
      "f.json");
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->version_policy.specific, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(settings->max_batch_size, 16);
  EXPECT_EQ(settings->max_queue_delay_microseconds, 0);
  EXPECT_EQ(settings->dtype, "int8");
  EXPECT_EQ(settings->threads, 2);
  EXPECT_EQ(settings->default_top_k, 3);
}

TEST(ModelSettingsTest, EmptyObjectAndLatestPolicyAreDefaults) {
  StatusOr<ModelSettings> settings =
      ParseModelSettings(R"({"version_policy": {"latest": {"num_versions": 1}}})", "f.json");
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_TRUE(settings->version_policy.specific.empty());
  EXPECT_FALSE(settings->max_batch_size.has_value());
  EXPECT_TRUE(ParseModelSettings("{}", "f.json").ok());
}

// Each bad file is refused with a message naming the file and the field.
TEST(ModelSettingsTest, ErrorsNameTheFileAndTheField) {
  struct Case {
    const char* text;
    const char* field;
  };
  const Case cases[] = {
      {"{not json", "is not valid JSON"},
      {"[1, 2]", "JSON object"},
      {R"({"max_batch_size": 0})", "'max_batch_size'"},
      {R"({"max_batch_size": "8"})", "'max_batch_size'"},
      {R"({"max_queue_delay_microseconds": -1})", "'max_queue_delay_microseconds'"},
      {R"({"dtype": "fp64"})", "'dtype'"},
      {R"({"threads": 1.5})", "'threads'"},
      {R"({"default_top_k": 0})", "'default_top_k'"},
      {R"({"max_batch": 8})", "'max_batch'"},
      {R"({"version_policy": {"all": {}}})", "'version_policy'"},
      {R"({"version_policy": {"latest": {"num_versions": 2}}})", "num_versions"},
      {R"({"version_policy": {"specific": []}})", "'version_policy.specific'"},
      {R"({"version_policy": {"specific": [0]}})", "'version_policy.specific'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    StatusOr<ModelSettings> settings = ParseModelSettings(c.text, "/repo/m/vit-serve.json");
    ASSERT_FALSE(settings.ok());
    EXPECT_EQ(settings.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(settings.status().message().find("/repo/m/vit-serve.json"), std::string::npos)
        << settings.status().message();
    EXPECT_NE(settings.status().message().find(c.field), std::string::npos)
        << settings.status().message();
  }
}

TEST(ModelSettingsTest, BadFileShowsInTheScannedModel) {
  TempFolder repo("repository-scan");
  MakeModelFolder(repo / "m");
  ASSERT_TRUE(WriteFile(repo / "m/vit-serve.json", R"({"dtype": 3})"));
  RepositoryModel model = ScanModel("m", repo / "m");
  EXPECT_EQ(model.settings_status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(model.settings_status.message().find("dtype"), std::string::npos);
}

TEST(MemoryEstimateTest, ScalesWeightBytesByDtype) {
  EXPECT_EQ(EstimateModelBytes(1000, "fp32"), 1000);
  EXPECT_EQ(EstimateModelBytes(1000, "auto"), 1000);
  EXPECT_EQ(EstimateModelBytes(1000, "bf16"), 500);
  EXPECT_EQ(EstimateModelBytes(1000, "int8"), 250);
}

}  // namespace
}  // namespace vit::server::repository
