#include "tools/vit-eval/eval_runner.h"

#include <algorithm>
#include <chrono>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "model/inference_engine.h"
#include "preprocessing/image_preprocessor.h"
#include "tools/vit-eval/labelled_images.h"

namespace vit::eval {
namespace {

using Clock = std::chrono::steady_clock;

// Tokens of IDX image `index`: the uint8 image (resized when the model's input
// differs) goes through the same normalize + patchify as decoded files.
Status IdxImageTokens(const training::IdxDataset& idx, int64_t index,
                      const preprocessing::ImagePreprocessor& pre, float* out) {
  const int h = static_cast<int>(idx.images.size(1));
  const int w = static_cast<int>(idx.images.size(2));
  cv::Mat image(h, w, CV_8UC1, idx.images[index].data_ptr<uint8_t>());
  const PreprocessSpec& spec = pre.spec();
  cv::Mat crop = image;
  if (h != spec.input_height || w != spec.input_width) {
    cv::resize(image, crop, cv::Size(spec.input_width, spec.input_height), /*fx=*/0, /*fy=*/0,
               cv::INTER_AREA);
  }
  VIT_RETURN_IF_ERROR(pre.ValidateCrop(crop));
  pre.CropToTokens(crop, out);
  return Status::Ok();
}

}  // namespace

StatusOr<EvalReport> Evaluate(const EvalOptions& options) {
  VIT_ASSIGN_OR_RETURN(const std::unique_ptr<InferenceEngine> engine,
                       InferenceEngine::Load(options.model_dir, options.engine));
  const ModelInfo& info = engine->info();
  VIT_ASSIGN_OR_RETURN(const LabelledImages data,
                       LoadLabelledImages(options.data_dir, options.split, info.labels));
  const preprocessing::ImagePreprocessor pre(info.preprocess);
  VIT_RETURN_IF_ERROR(pre.init_status());

  EvalReport report;
  report.matrix = training::ConfusionMatrix(info.labels);
  report.model_path = info.path;
  report.dtype = info.dtype;
  const int64_t total =
      options.limit > 0 ? std::min<int64_t>(options.limit, data.size()) : data.size();
  const size_t token_floats = pre.tokens_size();
  const int classes = info.num_classes;
  std::vector<float> tokens(token_floats * options.batch_size);
  std::vector<float> logits(static_cast<size_t>(classes) * options.batch_size);
  const auto start = Clock::now();
  for (int64_t first = 0; first < total; first += options.batch_size) {
    const int batch = static_cast<int>(std::min<int64_t>(options.batch_size, total - first));
    std::vector<int> truth(batch);
    for (int i = 0; i < batch; ++i) {
      float* out = tokens.data() + token_floats * i;
      if (data.is_idx()) {
        VIT_RETURN_IF_ERROR(IdxImageTokens(data.idx, first + i, pre, out));
        truth[i] = static_cast<int>(data.idx.labels[first + i].item<int64_t>());
      } else {
        const auto& file = data.files[first + i];
        VIT_RETURN_IF_ERROR(pre.FileToTokens(file.path, out));
        truth[i] = file.label;
      }
    }
    const auto model_start = Clock::now();
    VIT_RETURN_IF_ERROR(engine->Run(tokens.data(), batch, logits.data(), nullptr));
    report.model_seconds += std::chrono::duration<double>(Clock::now() - model_start).count();
    for (int i = 0; i < batch; ++i) {
      const float* row = logits.data() + static_cast<size_t>(classes) * i;
      report.matrix.Add(truth[i], static_cast<int>(std::max_element(row, row + classes) - row));
    }
  }
  report.total_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace vit::eval
