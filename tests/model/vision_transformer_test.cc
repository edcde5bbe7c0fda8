#include "model/vision_transformer.h"

#include <gtest/gtest.h>

#include "model/checkpoint_convert.h"
#include "model/config_inference.h"
#include "model/pos_embed.h"
#include "model/topk.h"
#include "tests/support/tiny_vit_config.h"

namespace vit {
namespace {

using testing::TinyVitConfig;  // 32 px, patch 8, RGB, 5 classes, dim 16, depth 2

TEST(VisionTransformerTest, ParameterNamesAreTimms) {
  VitConfig c = TinyVitConfig();
  c.num_reg_tokens = 4;
  c.layer_scale = true;
  VisionTransformer net(c);
  auto params = net->named_parameters();
  for (const char* name :
       {"cls_token", "reg_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
        "blocks.0.norm1.weight", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
        "blocks.0.attn.proj.weight", "blocks.0.ls1.gamma", "blocks.1.norm2.bias",
        "blocks.1.mlp.fc1.weight", "blocks.1.mlp.fc2.bias", "blocks.1.ls2.gamma", "norm.weight",
        "head.weight", "head.bias"}) {
    EXPECT_NE(params.find(name), nullptr) << name;
  }
  EXPECT_EQ(params.find("fc_norm.weight"), nullptr);
}

TEST(VisionTransformerTest, PositionEmbeddingCoversPrefixUnlessNoEmbedClass) {
  VitConfig c = TinyVitConfig();
  c.num_reg_tokens = 4;
  EXPECT_EQ(VisionTransformer(c)->pos_embed.size(1), 16 + 5);
  c.no_embed_class = true;
  EXPECT_EQ(VisionTransformer(c)->pos_embed.size(1), 16);
}

TEST(VisionTransformerTest, OutputShapesForEveryPoolingVariant) {
  torch::InferenceMode guard;
  for (const char* pool : {"token", "avg"}) {
    VitConfig c = TinyVitConfig();
    c.global_pool = pool;
    c.fc_norm = std::string(pool) == "avg";
    VisionTransformer net(c);
    net->eval();
    auto out = net->ForwardOutputs(torch::randn({3, 3, 32, 32}));
    EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{3, 5})) << pool;
    EXPECT_EQ(out.features.sizes(), (std::vector<int64_t>{3, 16})) << pool;
  }
}

TEST(VisionTransformerTest, WrongGridIsRejectedWithoutDynamicSize) {
  torch::InferenceMode guard;
  VisionTransformer net(TinyVitConfig());
  EXPECT_THROW(net->forward(torch::randn({1, 3, 40, 32})), c10::Error);
}

TEST(VisionTransformerTest, InvalidConfigIsRejected) {
  VitConfig c = TinyVitConfig();
  c.num_heads = 3;  // 16 % 3 != 0
  EXPECT_NE(c.Validate().find("num_heads"), std::string::npos);
  EXPECT_THROW(VisionTransformer{c}, c10::Error);
}

TEST(PosEmbedTest, SameGridIsIdentityAndPrefixIsKept) {
  auto pos = torch::randn({1, 1 + 16, 8});
  EXPECT_TRUE(ResamplePosEmbed(pos, 4, 4, 4, 4, 1).equal(pos));
  auto resized = ResamplePosEmbed(pos, 5, 6, 4, 4, 1);
  EXPECT_EQ(resized.sizes(), (std::vector<int64_t>{1, 1 + 30, 8}));
  EXPECT_TRUE(resized.narrow(1, 0, 1).equal(pos.narrow(1, 0, 1)));
}

TEST(TopKTest, SortedProbabilitiesWithLabels) {
  const float logits[] = {1.0f, 3.0f, 2.0f, 3.0f};
  auto top = TopK(logits, 4, 3, {"a", "b", "c", "d"});
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].index, 1);  // tie with 3 broken by lower index
  EXPECT_EQ(top[1].index, 3);
  EXPECT_EQ(top[2].label, "c");
  EXPECT_NEAR(top[0].probability,
              std::exp(3.0) / (std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0)), 1e-6);
  EXPECT_EQ(TopK(logits, 4, 99, {}).size(), 4u);
  EXPECT_EQ(TopK(logits, 4, 0, {})[0].label, "class_1");
}

TEST(ConvertTest, HuggingFaceQkvIsConcatenatedInOrder) {
  TensorMap hf;
  hf.emplace_back("vit.embeddings.patch_embeddings.projection.weight", torch::zeros({4, 3, 2, 2}));
  hf.emplace_back("vit.encoder.layer.0.attention.attention.query.weight", torch::full({4, 4}, 1.0));
  hf.emplace_back("vit.encoder.layer.0.attention.attention.key.weight", torch::full({4, 4}, 2.0));
  hf.emplace_back("vit.encoder.layer.0.attention.attention.value.weight", torch::full({4, 4}, 3.0));
  hf.emplace_back("vit.pooler.dense.weight", torch::zeros({4, 4}));
  CheckpointFormat format;
  auto out = ConvertToTimm(hf, &format);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(format, CheckpointFormat::kHuggingFace);
  ASSERT_EQ(out->size(), 2u);  // pooler dropped
  EXPECT_EQ((*out)[0].first, "patch_embed.proj.weight");
  EXPECT_EQ((*out)[1].first, "blocks.0.attn.qkv.weight");
  EXPECT_EQ((*out)[1].second[0][0].item<float>(), 1.0f);
  EXPECT_EQ((*out)[1].second[4][0].item<float>(), 2.0f);
  EXPECT_EQ((*out)[1].second[8][0].item<float>(), 3.0f);
}

TEST(ConvertTest, HuggingFaceMissingValueIsAnError) {
  TensorMap hf;
  hf.emplace_back("vit.embeddings.patch_embeddings.projection.weight", torch::zeros({4, 3, 2, 2}));
  hf.emplace_back("vit.encoder.layer.0.attention.attention.query.weight", torch::zeros({4, 4}));
  auto out = ConvertToTimm(hf);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("query, key and value"), std::string::npos);
}

TEST(ConvertTest, TorchvisionNamesMapToTimm) {
  TensorMap tv;
  tv.emplace_back("conv_proj.weight", torch::zeros({4, 3, 2, 2}));
  tv.emplace_back("encoder.layers.encoder_layer_3.mlp.3.bias", torch::zeros({4}));
  tv.emplace_back("encoder.layers.encoder_layer_3.self_attention.in_proj_weight",
                  torch::zeros({12, 4}));
  tv.emplace_back("heads.head.weight", torch::zeros({2, 4}));
  auto out = ConvertToTimm(tv);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[1].first, "blocks.3.mlp.fc2.bias");
  EXPECT_EQ((*out)[2].first, "blocks.3.attn.qkv.weight");
  EXPECT_EQ((*out)[3].first, "head.weight");
}

TEST(ConvertTest, UnknownFormatIsNamed) {
  TensorMap other;
  other.emplace_back("features.0.weight", torch::zeros({1}));
  auto out = ConvertToTimm(other);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("unrecognised checkpoint"), std::string::npos);
}

TEST(ConfigInferenceTest, ThousandClassesWithoutNamesGetImageNetLabels) {
  VisionTransformer net([] {
    VitConfig c = TinyVitConfig();
    c.num_classes = 1000;
    return c;
  }());
  TensorMap tensors;
  for (const auto& p : net->named_parameters()) tensors.emplace_back(p.key(), p.value());
  ConfigFiles files;
  files.folder = "mem";
  files.config_json = R"({"model_args": {"num_heads": 2}})";
  auto inferred = InferModel(tensors, CheckpointFormat::kTimm, files);
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  EXPECT_EQ(inferred->labels.size(), 1000u);
  EXPECT_EQ(inferred->labels[0], "tench, Tinca tinca");
  EXPECT_EQ(inferred->vit.img_height, 32);
  EXPECT_EQ(inferred->vit.depth, 2);
  EXPECT_EQ(inferred->preprocess.resize_shorter_side, 36);  // floor(32 / 0.875)
}

}  // namespace
}  // namespace vit
