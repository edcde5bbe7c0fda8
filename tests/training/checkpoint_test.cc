#include "training/checkpoint.h"

#include <gtest/gtest.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include "model/vision_transformer.h"
#include "tests/support/temp_folder.h"
#include "tests/support/tiny_vit_config.h"

namespace vit::training {
namespace {

VitConfig Tiny() {
  return testing::TinyVitConfig(/*image_size=*/8, /*patch_size=*/4, /*in_chans=*/1,
                                /*num_classes=*/3, /*depth=*/1);
}

void OneStep(VisionTransformer& net, torch::optim::Optimizer& optimizer) {
  auto loss = net->forward(torch::randn({4, 1, 8, 8})).logsumexp(1).mean();
  optimizer.zero_grad();
  loss.backward();
  optimizer.step();
}

TEST(CheckpointTest, ResumeRestoresModelOptimizerAndGenerator) {
  torch::manual_seed(0);
  VisionTransformer net(Tiny());
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(1e-2));
  OneStep(net, optimizer);
  testing::TempFolder dir;
  const std::string path = dir / "checkpoint.pt";
  ASSERT_TRUE(SaveTrainingCheckpoint(path, net, optimizer, {2, 17, "sig"}).ok());
  const auto next_random = torch::rand({5});
  OneStep(net, optimizer);  // the original run continues

  torch::manual_seed(99);
  VisionTransformer resumed(Tiny());
  torch::optim::AdamW resumed_optimizer(resumed->parameters(), torch::optim::AdamWOptions(1e-2));
  auto progress = LoadTrainingCheckpoint(path, resumed, resumed_optimizer, "sig");
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_EQ(progress->epoch, 2);
  EXPECT_EQ(progress->step, 17);
  EXPECT_TRUE(torch::equal(torch::rand({5}), next_random));
  OneStep(resumed, resumed_optimizer);  // same batch as the original's second step
  const auto a = net->named_parameters(), b = resumed->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
}

TEST(CheckpointTest, RefusesOtherSettingsAndMissingFile) {
  VisionTransformer net(Tiny());
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(1e-2));
  testing::TempFolder dir;
  EXPECT_EQ(LoadTrainingCheckpoint(dir / "none.pt", net, optimizer, "sig").status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(SaveTrainingCheckpoint(dir / "c.pt", net, optimizer, {1, 1, "sig"}).ok());
  EXPECT_EQ(LoadTrainingCheckpoint(dir / "c.pt", net, optimizer, "other").status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vit::training
