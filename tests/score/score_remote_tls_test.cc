// vit-score --server against the real vit-server binary with TLS and a bearer
// token (certificates made with `openssl` at test time): the rows equal an
// in-process run's, the token may come from a file or $VIT_AUTH_TOKEN, and a
// missing or wrong token, or no TLS, is a setup error (exit 1) that says why,
// before any row is written.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/score/csv_rows.h"
#include "tests/score/image_tree.h"
#include "tests/server/server_process.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit::score {
namespace {

using testing::CompareRows;
using testing::ReadScoreCsv;
using vit::testing::ProcessResult;
using vit::testing::RunProcess;
using TempDir = vit::testing::TempFolder;

constexpr const char* kToken = "vit-score-test-token-42";
constexpr int kImages = 24;

std::string ModelDir() { return vit::testing::FixturesDir() + "/timm_vit_tiny_patch16_224"; }

// A CA and a server certificate for 127.0.0.1 signed by it.
bool MakeCertificates(const TempDir& dir) {
  vit::testing::WriteFile(
      dir / "server.ext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  vit::testing::WriteFile(
      dir / "make.sh",
      "set -e; cd '" + dir.path() + "'\n" + "openssl req -x509 " + key +
          " -keyout ca.key -out ca.pem -days 2 -subj /CN=vit-score-test-ca\n" + "openssl req " +
          key + " -keyout server.key -out server.csr -subj /CN=localhost\n" +
          "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
          " -extfile server.ext -out server.pem\n");
  const std::string command =
      "sh '" + (dir / "make.sh") + "' > '" + (dir / "openssl.log") + "' 2>&1";
  return std::system(command.c_str()) == 0;
}

class ScoreRemoteTlsTest : public ::testing::Test {
 protected:
  // Certificates, a token file, generated images and a vit-server with TLS
  // and the token, shared by every test; failures are reported by SetUp.
  static void SetUpTestSuite() {
    unsetenv("VIT_AUTH_TOKEN");  // only the tests that want one set it
    dir_ = new TempDir();
    server_ = new server::testing::ServerProcess();
    testing::MakeImageTree(*dir_ / "images", kImages);
    vit::testing::WriteFile(*dir_ / "token", std::string(kToken) + "\n");
    if (!MakeCertificates(*dir_)) {
      setup_error_ = new std::string("openssl: " + vit::testing::ReadFile(*dir_ / "openssl.log"));
      return;
    }
    const bool serving = server_->StartServing(
        VIT_SERVER_BINARY, {"--model", ModelDir(), "--dtype", "fp32", "--threads", "1",
                            "--tls-cert", *dir_ / "server.pem", "--tls-key", *dir_ / "server.key",
                            "--auth-token-file", *dir_ / "token"});
    if (!serving) setup_error_ = new std::string("vit-server did not start:\n" + server_->output());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    delete setup_error_;
    setup_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(setup_error_, nullptr) << *setup_error_; }

  // vit-score over the suite's images through the server, quiet, plus `args`.
  static ProcessResult ScoreRemote(const std::string& output, std::vector<std::string> args) {
    std::vector<std::string> all = {*dir_ / "images", "-o",       output,
                                    "--no-progress",  "--server", server_->address()};
    all.insert(all.end(), args.begin(), args.end());
    return RunProcess(VIT_SCORE_BINARY, all);
  }
  static std::string CaFile() { return *dir_ / "ca.pem"; }
  static std::string TokenFile() { return *dir_ / "token"; }

  static TempDir* dir_;
  static server::testing::ServerProcess* server_;
  static std::string* setup_error_;
};

TempDir* ScoreRemoteTlsTest::dir_ = nullptr;
server::testing::ServerProcess* ScoreRemoteTlsTest::server_ = nullptr;
std::string* ScoreRemoteTlsTest::setup_error_ = nullptr;

TEST_F(ScoreRemoteTlsTest, RowsOverTlsWithTokenFileEqualInProcess) {
  TempDir out;
  const ProcessResult local =
      RunProcess(VIT_SCORE_BINARY, {*dir_ / "images", "-o", out / "local.csv", "--model",
                                    ModelDir(), "--dtype", "fp32", "--no-progress"});
  ASSERT_EQ(local.exit_code, 0) << local.output;
  const ProcessResult remote =
      ScoreRemote(out / "remote.csv", {"--tls-ca", CaFile(), "--token-file", TokenFile()});
  ASSERT_EQ(remote.exit_code, 0) << remote.output << "\nserver:\n" << server_->output();
  EXPECT_NE(remote.output.find("vit-server at " + server_->address()), std::string::npos)
      << remote.output;
  const std::vector<testing::CsvRecord> rows = ReadScoreCsv(out / "remote.csv");
  ASSERT_EQ(rows.size(), static_cast<size_t>(kImages));
  for (const testing::CsvRecord& row : rows) EXPECT_TRUE(row.error.empty()) << row.error;
  EXPECT_EQ(CompareRows(ReadScoreCsv(out / "local.csv"), rows, 1e-5), "");
}

TEST_F(ScoreRemoteTlsTest, TokenFromEnvironment) {
  TempDir out;
  ASSERT_EQ(setenv("VIT_AUTH_TOKEN", kToken, 1), 0);
  const ProcessResult remote = ScoreRemote(out / "remote.csv", {"--tls-ca", CaFile()});
  unsetenv("VIT_AUTH_TOKEN");
  ASSERT_EQ(remote.exit_code, 0) << remote.output;
  EXPECT_EQ(ReadScoreCsv(out / "remote.csv").size(), static_cast<size_t>(kImages));
}

TEST_F(ScoreRemoteTlsTest, MissingOrWrongTokenIsASetupErrorNamingTheCode) {
  TempDir out;
  vit::testing::WriteFile(out / "wrong-token", "not-the-token\n");
  const std::vector<std::vector<std::string>> cases = {
      {"--tls-ca", CaFile()}, {"--tls-ca", CaFile(), "--token-file", out / "wrong-token"}};
  for (const std::vector<std::string>& args : cases) {
    const ProcessResult run = ScoreRemote(out / "rows.csv", args);
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_NE(run.output.find("vit-server at " + server_->address() +
                              ": GetModelInfo failed: UNAUTHENTICATED"),
              std::string::npos)
        << run.output;
    EXPECT_FALSE(std::filesystem::exists(out / "rows.csv")) << "no rows without a model";
  }
}

TEST_F(ScoreRemoteTlsTest, PlaintextToTheTlsServerGivesUpAfterTheTimeout) {
  TempDir out;
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult run =
      ScoreRemote(out / "rows.csv", {"--token-file", TokenFile(), "--timeout-ms", "1500"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("GetModelInfo failed"), std::string::npos) << run.output;
  EXPECT_LT(seconds, 20) << "--timeout-ms 1500 was not the deadline";
  EXPECT_FALSE(std::filesystem::exists(out / "rows.csv"));
}

TEST_F(ScoreRemoteTlsTest, UnreadableTokenFileIsAUsageErrorNamingTheFlag) {
  TempDir out;
  const ProcessResult run =
      ScoreRemote(out / "rows.csv", {"--tls-ca", CaFile(), "--token-file", out / "missing"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("--token-file: cannot read " + (out / "missing")), std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace vit::score
