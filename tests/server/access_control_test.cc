// Access control of the real vit-server binary (embedded default model) on
// 127.0.0.1: bearer token on every RPC but health, TLS, mutual TLS, and the
// metrics listener's own address. Certificates are made at test time with
// the `openssl` command in a temporary folder.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/server/server_process.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {
namespace {

using grpc::health::v1::HealthCheckResponse;
using testing::HttpGet;
using testing::ServerProcess;
using vit::testing::ReadFile;
using vit::testing::WriteFile;

constexpr const char* kToken = "vit-test-token-0123456789";

// A CA, a server certificate for 127.0.0.1 / localhost and a client
// certificate signed by it, and a self-signed "rogue" client certificate.
// What openssl printed when it failed, else "".
std::string MakeCertificates(const std::string& dir) {
  WriteFile(dir + "/server.ext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  WriteFile(dir + "/client.ext", "extendedKeyUsage=clientAuth\n");
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script =
      "set -e; cd '" + dir + "'\n" + "openssl req -x509 " + key +
      " -keyout ca.key -out ca.pem -days 2 -subj /CN=vit-test-ca\n" + "openssl req " + key +
      " -keyout server.key -out server.csr -subj /CN=localhost\n" +
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
      " -extfile server.ext -out server.pem\n" +
      "openssl req " + key + " -keyout client.key -out client.csr -subj /CN=vit-test-client\n" +
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
      " -extfile client.ext -out client.pem\n" +
      "openssl req -x509 " + key +
      " -keyout rogue.key -out rogue.pem -days 2 -subj /CN=vit-test-client\n";
  const vit::testing::ProcessResult run = vit::testing::RunProcess("sh", {"-c", script});
  return run.exit_code == 0 ? "" : "openssl failed:\n" + run.output;
}

std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(const std::string& ca,
                                                         const std::string& cert = "",
                                                         const std::string& key = "") {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(ca);
  if (!cert.empty()) {
    ssl.pem_cert_chain = ReadFile(cert);
    ssl.pem_private_key = ReadFile(key);
  }
  return grpc::SslCredentials(ssl);
}

class ServerAccessControlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new vit::testing::TempFolder("vit-access");
    ASSERT_EQ(MakeCertificates(dir_->path()), "");
    WriteFile(Path("token"), std::string(kToken) + "\n");
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Path(const std::string& name) { return *dir_ / name; }

  // Starts the server on the embedded default model with `args`, and waits
  // until health (over `credentials`) says SERVING.
  void StartServer(
      const std::vector<std::string>& args,
      std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials()) {
    ASSERT_TRUE(server_.Start(VIT_SERVER_BINARY, args)) << server_.output();
    for (int i = 0; i < 600 && Health(credentials) != HealthCheckResponse::SERVING; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(Health(credentials), HealthCheckResponse::SERVING) << server_.output();
  }
  std::shared_ptr<grpc::Channel> Channel(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    // A fresh connection per channel, so one handshake never serves another.
    grpc::ChannelArguments arguments;
    arguments.SetInt("vit.test_channel", ++channels_);
    return grpc::CreateCustomChannel(server_.address(), credentials, arguments);
  }
  HealthCheckResponse::ServingStatus Health(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = grpc::health::v1::Health::NewStub(Channel(credentials));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    HealthCheckResponse response;
    if (!stub->Check(&context, {}, &response).ok()) return HealthCheckResponse::UNKNOWN;
    return response.status();
  }
  grpc::Status Classify(std::shared_ptr<grpc::ChannelCredentials> credentials,
                        const std::string& token) {
    auto stub = v1::VitService::NewStub(Channel(credentials));
    v1::ClassifyRequest request;
    request.set_image(ReadFile(vit::testing::TestImagesDir() + "/coffee.png"));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::ClassifyResponse response;
    grpc::Status status = stub->Classify(&context, request, &response);
    if (status.ok() && response.predictions_size() == 0)
      return grpc::Status(grpc::StatusCode::INTERNAL, "OK without predictions");
    return status;
  }
  grpc::Status GetModelInfo(const std::string& token) {
    auto stub = v1::VitService::NewStub(Channel(grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::ModelInfo info;
    return stub->GetModelInfo(&context, {}, &info);
  }

  static vit::testing::TempFolder* dir_;
  ServerProcess server_;
  int channels_ = 0;
};

vit::testing::TempFolder* ServerAccessControlTest::dir_ = nullptr;

TEST_F(ServerAccessControlTest, TokenFileGuardsEveryRpcButHealth) {
  StartServer({"--auth-token-file", Path("token")});  // health SERVING without a token
  const auto plaintext = grpc::InsecureChannelCredentials();
  grpc::Status status = Classify(plaintext, "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_EQ(Classify(plaintext, "not-the-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  status = Classify(plaintext, kToken);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(GetModelInfo("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(GetModelInfo(kToken).ok());
  EXPECT_NE(server_.output().find("bearer token required"), std::string::npos) << server_.output();
  EXPECT_EQ(server_.output().find(kToken), std::string::npos) << "the token is never logged";
}

TEST_F(ServerAccessControlTest, TokenFromEnvironment) {
  ASSERT_EQ(setenv("VIT_AUTH_TOKEN", kToken, 1), 0);
  StartServer({});
  unsetenv("VIT_AUTH_TOKEN");
  EXPECT_EQ(Classify(grpc::InsecureChannelCredentials(), "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Classify(grpc::InsecureChannelCredentials(), kToken).ok());
}

TEST_F(ServerAccessControlTest, UnreadableOrEmptyTokenFileStopsStartup) {
  WriteFile(Path("empty-token"), "\n");
  for (const std::string& file : {Path("empty-token"), Path("no-such-token")}) {
    ServerProcess server;
    EXPECT_FALSE(
        server.Start(VIT_SERVER_BINARY, {"--auth-token-file", file}, std::chrono::seconds(2)));
    EXPECT_EQ(server.Wait(std::chrono::seconds(20)), 1);
    EXPECT_NE(server.output().find("--auth-token-file"), std::string::npos) << server.output();
  }
}

TEST_F(ServerAccessControlTest, TlsClientConnectsAndPlaintextDoesNot) {
  const auto tls = TlsCredentials(Path("ca.pem"));
  StartServer({"--tls-cert", Path("server.pem"), "--tls-key", Path("server.key")}, tls);
  grpc::Status status = Classify(tls, "");
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Classify(grpc::InsecureChannelCredentials(), "").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Health(grpc::InsecureChannelCredentials()), HealthCheckResponse::UNKNOWN);
  // A client that does not trust the server's CA is refused too.
  EXPECT_EQ(Classify(TlsCredentials(Path("rogue.pem")), "").error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerAccessControlTest, MutualTlsRequiresAClientCertificateSignedByTheCa) {
  const auto with_cert = TlsCredentials(Path("ca.pem"), Path("client.pem"), Path("client.key"));
  StartServer({"--tls-cert", Path("server.pem"), "--tls-key", Path("server.key"), "--tls-client-ca",
               Path("ca.pem"), "--auth-token-file", Path("token")},
              with_cert);
  grpc::Status status = Classify(with_cert, kToken);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Classify(with_cert, "").error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "a certificate does not replace the token";
  EXPECT_NE(Classify(TlsCredentials(Path("ca.pem")), kToken).error_code(), grpc::StatusCode::OK)
      << "no client certificate";
  EXPECT_NE(Classify(TlsCredentials(Path("ca.pem"), Path("rogue.pem"), Path("rogue.key")), kToken)
                .error_code(),
            grpc::StatusCode::OK)
      << "a self-signed client certificate";
  EXPECT_EQ(Classify(grpc::InsecureChannelCredentials(), kToken).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(server_.output().find("mutual TLS"), std::string::npos) << server_.output();
}

TEST_F(ServerAccessControlTest, MetricsListenOnMetricsHost) {
  // The whole of 127.0.0.0/8 is loopback: gRPC on .1, metrics on .2 only.
  StartServer({"--metrics-host", "127.0.0.2"});
  EXPECT_NE(HttpGet("127.0.0.2", server_.metrics_port(), "/metrics").find("vit_requests_in_flight"),
            std::string::npos);
  EXPECT_EQ(HttpGet("127.0.0.1", server_.metrics_port(), "/metrics"), "");
  EXPECT_NE(server_.output().find("http://127.0.0.2:"), std::string::npos) << server_.output();
}

}  // namespace
}  // namespace vit::server
