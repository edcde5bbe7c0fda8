#include "training/evaluation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vit::training {
namespace {

TEST(ConfusionMatrixTest, CountsAccuracyPerClassAndJson) {
  ConfusionMatrix m({"a", "b", "c"});
  m.Add(0, 0);
  m.Add(0, 1);
  m.Add(1, 1);
  m.Add(2, 0);
  EXPECT_EQ(m.images(), 4);
  EXPECT_EQ(m.correct(), 2);
  EXPECT_DOUBLE_EQ(m.accuracy(), 0.5);
  EXPECT_DOUBLE_EQ(m.ClassAccuracy(0), 0.5);
  EXPECT_DOUBLE_EQ(m.ClassAccuracy(1), 1.0);
  EXPECT_DOUBLE_EQ(m.ClassAccuracy(2), 0.0);
  EXPECT_EQ(m.count(2, 0), 1);
  const auto json = nlohmann::json::parse(m.ToJson(2.0, 2.0, 10.0, 64, "fp32"));
  EXPECT_DOUBLE_EQ(json["accuracy"].get<double>(), 0.5);
  EXPECT_EQ(json["images"], 4);
  EXPECT_EQ(json["confusion"][0], nlohmann::json::array({1, 1, 0}));
  EXPECT_EQ(json["per_class"][1]["label"], "b");
  EXPECT_NE(m.ToText().find("50.00%"), std::string::npos);
  EXPECT_THROW(m.Add(3, 0), std::out_of_range);
}

}  // namespace
}  // namespace vit::training
