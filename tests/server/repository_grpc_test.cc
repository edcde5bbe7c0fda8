// The control calls over gRPC in process, over a FakeModelControl: the Open
// Inference Protocol's RepositoryIndex / RepositoryModelLoad /
// RepositoryModelUnload and vit.v1 ListModels: what reaches the repository,
// codes and messages passed through, the bearer token, a server without a
// repository, metrics, and inference and health answered while loads block.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "inference/grpc_service.grpc.pb.h"
#include "tests/server/control_test_server.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {
namespace {

using testing::ControlTestServer;

constexpr const char* kToken = "repository-test-token";

std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

class RepositoryGrpcTest : public ::testing::Test {
 protected:
  void Start(ServiceOptions options = {}, bool with_control = true) {
    server_ = std::make_unique<ControlTestServer>(options, with_control);
    ASSERT_TRUE(server_->ok());
    oip_ = inference::GRPCInferenceService::NewStub(server_->Channel());
    vit_ = v1::VitService::NewStub(server_->Channel());
  }
  grpc::Status Load(const std::string& name, const std::string& token = "") {
    inference::RepositoryModelLoadRequest request;
    request.set_model_name(name);
    inference::RepositoryModelLoadResponse response;
    return oip_->RepositoryModelLoad(Context(token).get(), request, &response);
  }
  grpc::Status Unload(const std::string& name, const std::string& token = "") {
    inference::RepositoryModelUnloadRequest request;
    request.set_model_name(name);
    inference::RepositoryModelUnloadResponse response;
    return oip_->RepositoryModelUnload(Context(token).get(), request, &response);
  }

  std::unique_ptr<ControlTestServer> server_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> oip_;
  std::unique_ptr<v1::VitService::Stub> vit_;
};

TEST_F(RepositoryGrpcTest, IndexListsEveryVersionOrOnlyReadyOnes) {
  Start();
  inference::RepositoryIndexRequest request;
  inference::RepositoryIndexResponse all;
  ASSERT_TRUE(oip_->RepositoryIndex(Context().get(), request, &all).ok());
  ASSERT_EQ(all.models_size(), 3);
  EXPECT_EQ(all.models(0).name(), "alpha");
  EXPECT_EQ(all.models(0).version(), "1");
  EXPECT_EQ(all.models(0).state(), "UNAVAILABLE");
  EXPECT_EQ(all.models(0).reason(), "unloaded");
  EXPECT_EQ(all.models(2).name(), "beta");
  request.set_ready(true);
  inference::RepositoryIndexResponse ready;
  ASSERT_TRUE(oip_->RepositoryIndex(Context().get(), request, &ready).ok());
  ASSERT_EQ(ready.models_size(), 2);
  EXPECT_EQ(ready.models(0).version(), "2");
  EXPECT_EQ(ready.models(0).state(), "READY");
  EXPECT_EQ(server_->control().calls(), (std::vector<std::string>{"index:all", "index:ready"}));
}

TEST_F(RepositoryGrpcTest, LoadAndUnloadReachTheRepository) {
  Start();
  EXPECT_TRUE(Load("alpha").ok());
  EXPECT_TRUE(Unload("beta").ok());
  EXPECT_EQ(server_->control().calls(), (std::vector<std::string>{"load:alpha", "unload:beta"}));
  const std::string metrics = server_->metrics().RenderPrometheus();
  for (const char* method : {"RepositoryModelLoad", "RepositoryModelUnload"}) {
    EXPECT_NE(
        metrics.find(std::string("protocol=\"oip-grpc\",method=\"") + method + "\",code=\"OK\"} 1"),
        std::string::npos)
        << method << "\n"
        << metrics;
  }
}

TEST_F(RepositoryGrpcTest, UnknownModelsAndRepositoryErrorsKeepTheirCodeAndMessage) {
  Start();
  grpc::Status status = Unload("gamma");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "model 'gamma' is not in the model repository");
  status = Load("gamma");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  server_->control().FailWith(
      FailedPreconditionError("model control is not allowed: start with --allow-model-control"));
  status = Load("alpha");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "model control is not allowed: start with --allow-model-control");
  server_->control().FailWith(ResourceExhaustedError("needs 900 MB, 200 MB of 1000 MB free"));
  status = Unload("alpha");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "needs 900 MB, 200 MB of 1000 MB free");
}

TEST_F(RepositoryGrpcTest, BadRequestsNeverReachTheRepository) {
  Start();
  EXPECT_EQ(Load("").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  inference::RepositoryModelLoadRequest named;
  named.set_repository_name("elsewhere");
  named.set_model_name("alpha");
  inference::RepositoryModelLoadResponse response;
  grpc::Status status = oip_->RepositoryModelLoad(Context().get(), named, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("elsewhere"), std::string::npos);
  inference::RepositoryModelLoadRequest configured;
  configured.set_model_name("alpha");
  (*configured.mutable_parameters())["config"].set_string_param("{}");
  status = oip_->RepositoryModelLoad(Context().get(), configured, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(server_->control().calls().empty());
  // Triton's unload_dependents changes nothing here, and is accepted.
  inference::RepositoryModelUnloadRequest dependents;
  dependents.set_model_name("alpha");
  (*dependents.mutable_parameters())["unload_dependents"].set_bool_param(true);
  inference::RepositoryModelUnloadResponse unloaded;
  EXPECT_TRUE(oip_->RepositoryModelUnload(Context().get(), dependents, &unloaded).ok());
}

TEST_F(RepositoryGrpcTest, EveryControlCallNeedsTheToken) {
  ServiceOptions options;
  options.auth_token = kToken;
  Start(options);
  inference::RepositoryIndexResponse index;
  EXPECT_EQ(oip_->RepositoryIndex(Context().get(), {}, &index).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Load("alpha").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Unload("alpha", "wrong-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::ListModelsResponse list;
  EXPECT_EQ(vit_->ListModels(Context().get(), {}, &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(server_->control().calls().empty());

  EXPECT_TRUE(oip_->RepositoryIndex(Context(kToken).get(), {}, &index).ok());
  EXPECT_TRUE(Load("alpha", kToken).ok());
  EXPECT_TRUE(Unload("alpha", kToken).ok());
  EXPECT_TRUE(vit_->ListModels(Context(kToken).get(), {}, &list).ok());
  EXPECT_NE(server_->metrics().RenderPrometheus().find(
                "method=\"RepositoryModelLoad\",code=\"UNAUTHENTICATED\"} 1"),
            std::string::npos);
}

TEST_F(RepositoryGrpcTest, WithoutARepositoryControlCallsAreFailedPrecondition) {
  Start({}, /*with_control=*/false);
  inference::RepositoryIndexResponse index;
  grpc::Status status = oip_->RepositoryIndex(Context().get(), {}, &index);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("no model repository"), std::string::npos);
  EXPECT_EQ(Load("alpha").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Unload("alpha").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::ListModelsResponse list;
  EXPECT_EQ(vit_->ListModels(Context().get(), {}, &list).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(RepositoryGrpcTest, ListModelsGroupsVersionsPerModelAndNamesTheDefault) {
  Start();
  v1::ListModelsResponse list;
  ASSERT_TRUE(vit_->ListModels(Context().get(), {}, &list).ok());
  EXPECT_EQ(list.default_model(), "alpha");
  ASSERT_EQ(list.models_size(), 2);
  const v1::ListedModel& alpha = list.models(0);
  EXPECT_EQ(alpha.name(), "alpha");
  EXPECT_TRUE(alpha.is_default_model());
  ASSERT_EQ(alpha.versions_size(), 2);
  EXPECT_EQ(alpha.versions(0).version(), "1");
  EXPECT_EQ(alpha.versions(0).state(), "UNAVAILABLE");
  EXPECT_EQ(alpha.versions(0).reason(), "unloaded");
  EXPECT_FALSE(alpha.versions(0).is_default());
  EXPECT_TRUE(alpha.versions(1).is_default());
  EXPECT_EQ(list.models(1).name(), "beta");
  EXPECT_FALSE(list.models(1).is_default_model());

  v1::ListModelsRequest ready;
  ready.set_ready_only(true);
  ASSERT_TRUE(vit_->ListModels(Context().get(), ready, &list).ok());
  EXPECT_EQ(list.models(0).versions_size(), 1);
  EXPECT_NE(server_->metrics().RenderPrometheus().find(
                "protocol=\"vit\",method=\"ListModels\",code=\"OK\"} 2"),
            std::string::npos);
}

TEST_F(RepositoryGrpcTest, BlockedLoadsHoldNeitherInferenceNorHealthNorTheIndex) {
  Start();
  server_->control().Block();
  constexpr int kLoads = 6;  // more than gRPC would need to stall if loads blocked its threads
  std::vector<std::thread> loads;
  std::vector<grpc::Status> results(kLoads);
  std::atomic<int> answered{0};
  for (int i = 0; i < kLoads; ++i) {
    loads.emplace_back([this, i, &results, &answered] {
      results[i] = Load(i % 2 ? "alpha" : "beta");
      ++answered;
    });
  }
  // Expectations only until the loads are joined: a failed ASSERT here
  // would leave their threads running.
  EXPECT_TRUE(server_->control().WaitForStarted(2));  // both control threads hold a load

  const auto start = std::chrono::steady_clock::now();
  inference::ModelInferRequest infer;
  infer.set_model_name("fake-model");
  auto* input = infer.add_inputs();
  input->set_name("image");
  input->set_datatype("BYTES");
  input->add_shape(1);
  input->mutable_contents()->add_bytes_contents("class:2");
  inference::ModelInferResponse answer;
  EXPECT_TRUE(oip_->ModelInfer(Context().get(), infer, &answer).ok());
  v1::ClassifyRequest classify;
  classify.set_image("class:1");
  v1::ClassifyResponse classified;
  EXPECT_TRUE(vit_->Classify(Context().get(), classify, &classified).ok());
  EXPECT_TRUE(classified.predictions_size() > 0 && classified.predictions(0).class_index() == 1);
  inference::ServerLiveResponse live;
  EXPECT_TRUE(oip_->ServerLive(Context().get(), {}, &live).ok());
  inference::RepositoryIndexResponse index;
  EXPECT_TRUE(oip_->RepositoryIndex(Context().get(), {}, &index).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(answered.load(), 0);  // the loads still wait in the repository

  server_->control().Release();
  for (std::thread& load : loads) load.join();
  for (const grpc::Status& status : results) EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace vit::server
