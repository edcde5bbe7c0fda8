#include "server/oip/inference_runner.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include "common/top_k.h"
#include "server/oip/model_metadata.h"
#include "server/request_conversion.h"

namespace vit::server::oip {
namespace {

// What the request asks to compute, once validated.
struct Plan {
  bool image_input = true;  // else pixel_values
  int batch = 0;
  const InputTensor* input = nullptr;
  std::vector<RequestedOutput> outputs;  // never empty
  bool want_logits = false;
  bool want_features = false;
};

Status CheckOutputs(const InferRequest& request, const ModelInfo& info, Plan* plan) {
  if (request.outputs.empty()) {
    for (std::string_view name : {kLogitsOutput, kProbabilitiesOutput, kEmbeddingOutput})
      plan->outputs.push_back(RequestedOutput{std::string(name)});
  } else {
    plan->outputs = request.outputs;
  }
  for (size_t i = 0; i < plan->outputs.size(); ++i) {
    const RequestedOutput& output = plan->outputs[i];
    const bool classes = output.name == kLogitsOutput || output.name == kProbabilitiesOutput;
    if (!classes && output.name != kEmbeddingOutput) {
      return InvalidArgumentError("unknown output '" + output.name + "'; model '" + info.id +
                                  "' has outputs 'logits', 'probabilities' and 'embedding'");
    }
    for (size_t j = 0; j < i; ++j) {
      if (plan->outputs[j].name == output.name)
        return InvalidArgumentError("output '" + output.name + "' is requested twice");
    }
    if (output.classification < 0 || output.classification > info.num_classes) {
      return InvalidArgumentError("output '" + output.name + "': classification must be in [1, " +
                                  std::to_string(info.num_classes) + "]; got " +
                                  std::to_string(output.classification));
    }
    if (output.classification > 0 && !classes) {
      return InvalidArgumentError("output '" + output.name +
                                  "' is not a class score: classification applies to 'logits' "
                                  "and 'probabilities' only");
    }
    plan->want_logits |= classes;
    plan->want_features |= !classes;
  }
  return Status::Ok();
}

Status CheckImageInput(const InputTensor& input, size_t max_image_bytes, Plan* plan) {
  if (input.datatype != kBytes) {
    return InvalidArgumentError("input 'image' must have datatype BYTES (encoded images); got '" +
                                input.datatype + "'");
  }
  const std::vector<int64_t>& shape = input.shape;
  const bool ok_shape = (shape.size() == 1 || (shape.size() == 2 && shape[1] == 1)) && shape[0] > 0;
  if (!ok_shape) {
    return InvalidArgumentError("input 'image' must have shape [batch] or [batch, 1]; got " +
                                ShapeToString(shape));
  }
  plan->batch = static_cast<int>(std::min<int64_t>(shape[0], INT32_MAX));
  if (input.bytes_elements.size() != static_cast<size_t>(shape[0])) {
    return InvalidArgumentError("input 'image' has shape " + ShapeToString(shape) + " but " +
                                std::to_string(input.bytes_elements.size()) + " elements");
  }
  for (size_t i = 0; i < input.bytes_elements.size(); ++i) {
    Status status = CheckImageSize(input.bytes_elements[i].size(), max_image_bytes);
    if (!status.ok())
      return InvalidArgumentError("input 'image' element " + std::to_string(i) + ": " +
                                  status.message());
  }
  return Status::Ok();
}

Status CheckPixelInput(const InputTensor& input, const ModelInfo& info, Plan* plan) {
  const PreprocessSpec& spec = info.preprocess;
  const std::vector<int64_t> expected = {-1, spec.channels, spec.input_height, spec.input_width};
  const std::string expected_text = "[batch, " + std::to_string(spec.channels) + ", " +
                                    std::to_string(spec.input_height) + ", " +
                                    std::to_string(spec.input_width) + "]";
  if (input.datatype != kFp32) {
    return InvalidArgumentError("input 'pixel_values' must have datatype FP32; got '" +
                                input.datatype + "'");
  }
  const std::vector<int64_t>& shape = input.shape;
  bool ok_shape = shape.size() == 4 && shape[0] > 0;
  for (size_t d = 1; ok_shape && d < 4; ++d) ok_shape = shape[d] == expected[d];
  if (!ok_shape) {
    return InvalidArgumentError("input 'pixel_values' must have shape " + expected_text +
                                " for model '" + info.id + "'; got " + ShapeToString(shape));
  }
  plan->batch = static_cast<int>(std::min<int64_t>(shape[0], INT32_MAX));
  const int64_t count = ElementCount(shape);
  if (count < 0 || static_cast<uint64_t>(count) != input.fp32_count) {
    return InvalidArgumentError("input 'pixel_values' has shape " + ShapeToString(shape) + " (" +
                                std::to_string(count) + " elements) but " +
                                std::to_string(input.fp32_count) + " values");
  }
  return Status::Ok();
}

// `check_name`: without a model repository the served model's name and
// version are checked here (with one, ServingContext::Resolve did).
Status MakePlan(const InferRequest& request, const InferencePipeline& pipeline, bool check_name,
                Plan* plan) {
  const ModelInfo& info = pipeline.model_info();
  if (check_name)
    VIT_RETURN_IF_ERROR(CheckModelAndVersion(request.model_name, request.model_version, pipeline));
  if (request.inputs.size() != 1) {
    return InvalidArgumentError("model '" + info.id +
                                "' takes exactly one input, 'image' (BYTES) or 'pixel_values' "
                                "(FP32); the request has " +
                                std::to_string(request.inputs.size()));
  }
  const InputTensor& input = request.inputs.front();
  plan->input = &input;
  if (input.name == kImageInput) {
    VIT_RETURN_IF_ERROR(CheckImageInput(input, pipeline.max_image_bytes(), plan));
  } else if (input.name == kPixelValuesInput) {
    plan->image_input = false;
    VIT_RETURN_IF_ERROR(CheckPixelInput(input, info, plan));
  } else {
    return InvalidArgumentError("unknown input '" + input.name + "'; model '" + info.id +
                                "' takes 'image' (BYTES) or 'pixel_values' (FP32)");
  }
  const int max_batch = pipeline.options().batching.max_batch_size;
  if (plan->batch > max_batch) {
    return InvalidArgumentError("input '" + input.name + "' has batch size " +
                                std::to_string(input.shape[0]) + "; model '" + info.id +
                                "' takes at most " + std::to_string(max_batch) +
                                " (max_batch_size)");
  }
  return CheckOutputs(request, info, plan);
}

// "value:index:label", as Triton's classification extension writes it.
std::string ClassificationString(float value, int index, const ModelInfo& info) {
  std::string out = std::to_string(value) + ":" + std::to_string(index);
  if (index < static_cast<int>(info.labels.size())) out += ":" + info.labels[index];
  return out;
}

void AddClassOutput(const RequestedOutput& requested, const std::vector<float>& values, int batch,
                    const ModelInfo& info, InferResponse* response) {
  OutputTensor out;
  out.name = requested.name;
  out.binary_data = requested.binary_data;
  const int classes = info.num_classes;
  if (requested.classification == 0) {
    out.datatype = std::string(kFp32);
    out.shape = {batch, classes};
    out.fp32 = values;
  } else {
    const int k = requested.classification;
    out.datatype = std::string(kBytes);
    out.shape = {batch, k};
    for (int b = 0; b < batch; ++b) {
      const float* row = values.data() + static_cast<size_t>(b) * classes;
      // Ordered by the row's own values (the logits' order is the
      // probabilities' order too), ties to the lower index.
      for (const ClassScore& score : TopKSoftmax(row, classes, k)) {
        out.bytes_elements.push_back(
            ClassificationString(row[score.class_index], score.class_index, info));
      }
    }
  }
  response->outputs.push_back(std::move(out));
}

// Collects the B results of one call and answers it once the last arrives.
class BatchedCall {
 public:
  // `pipeline`: the model serving the call, pinned until it is answered.
  BatchedCall(ServingContext* serving, const InferRequest& request, Plan plan, CallInfo call,
              std::shared_ptr<InferencePipeline> pipeline, InferCallback done)
      : serving_(serving),
        pipeline_(std::move(pipeline)),
        info_(pipeline_->model_info()),
        plan_(std::move(plan)),
        done_(std::move(done)),
        results_(plan_.batch),
        remaining_(plan_.batch) {
    response_.model_name = pipeline_->served_name();
    response_.model_version = pipeline_->served_version();
    response_.id = request.id;
    record_.protocol = call.protocol;
    record_.method = call.method;
    record_.peer = std::move(call.peer);
    record_.images = plan_.batch;
    record_.model = pipeline_.get();
  }
  void set_bytes(size_t bytes) { record_.bytes = bytes; }

  void OnResult(int index, const Status& status, InferenceResult result) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!status.ok() && first_error_.ok()) first_error_ = status;
      results_[index] = std::move(result);
      if (--remaining_ > 0) return;
    }
    Finish();
  }

 private:
  void Finish() {
    Status status = first_error_;
    InferenceResult slowest;
    if (status.ok()) {
      for (const InferenceResult& r : results_) {
        slowest.queue_us = std::max(slowest.queue_us, r.queue_us);
        slowest.preprocess_us = std::max(slowest.preprocess_us, r.preprocess_us);
        slowest.inference_us = std::max(slowest.inference_us, r.inference_us);
        slowest.total_us = std::max(slowest.total_us, r.total_us);
        slowest.batch_size = std::max(slowest.batch_size, r.batch_size);
      }
      BuildOutputs();
    }
    record_.status = status;
    record_.result = status.ok() ? &slowest : nullptr;
    serving_->Record(record_);
    InferCallback done = std::move(done_);
    done(status, status.ok() ? std::move(response_) : InferResponse());
  }

  void BuildOutputs() {
    const int batch = plan_.batch;
    const size_t classes = info_.num_classes;
    std::vector<float> logits;
    std::vector<float> probabilities;
    if (plan_.want_logits) {
      logits.resize(batch * classes);
      probabilities.resize(batch * classes);
      for (int b = 0; b < batch; ++b) {
        std::copy(results_[b].logits.begin(), results_[b].logits.end(),
                  logits.begin() + b * classes);
        Softmax(logits.data() + b * classes, static_cast<int>(classes),
                probabilities.data() + b * classes);
      }
    }
    for (const RequestedOutput& requested : plan_.outputs) {
      if (requested.name == kLogitsOutput) {
        AddClassOutput(requested, logits, batch, info_, &response_);
      } else if (requested.name == kProbabilitiesOutput) {
        AddClassOutput(requested, probabilities, batch, info_, &response_);
      } else {
        OutputTensor out;
        out.name = requested.name;
        out.binary_data = requested.binary_data;
        out.datatype = std::string(kFp32);
        out.shape = {batch, info_.feature_dim};
        for (const InferenceResult& r : results_)
          out.fp32.insert(out.fp32.end(), r.features.begin(), r.features.end());
        response_.outputs.push_back(std::move(out));
      }
    }
  }

  ServingContext* const serving_;
  const std::shared_ptr<InferencePipeline> pipeline_;
  const ModelInfo& info_;
  const Plan plan_;
  InferCallback done_;
  InferResponse response_;
  CallRecord record_;
  std::mutex mu_;  // guards the three below
  std::vector<InferenceResult> results_;
  int remaining_;
  Status first_error_;
};

std::vector<float> CopyFloats(const InputTensor& input, size_t offset, size_t count) {
  std::vector<float> out(count);
  std::memcpy(out.data(), static_cast<const char*>(input.fp32) + offset * sizeof(float),
              count * sizeof(float));
  return out;
}

}  // namespace

InferenceRunner::InferenceRunner(ServingContext* serving) : serving_(serving) {}

void InferenceRunner::Infer(const InferRequest& request, const CallInfo& call, InferCallback done) {
  // Until validated, the call counts as one image.
  CallRecord reject_record;
  reject_record.protocol = call.protocol;
  reject_record.method = call.method;
  reject_record.peer = call.peer;
  auto reject = [&](const Status& status) {
    reject_record.status = status;
    serving_->Record(reject_record);
    done(status, InferResponse());
  };
  if (Status entered = serving_->Enter(1); !entered.ok()) return reject(entered);
  // The protocol names the model in every call: no default model here.
  if (request.model_name.empty() && serving_->has_model_directory())
    return reject(NotFoundError("the Open Inference Protocol needs a model name"));
  StatusOr<std::shared_ptr<InferencePipeline>> resolved =
      serving_->Resolve(request.model_name, request.model_version);
  if (!resolved.ok()) return reject(resolved.status());
  std::shared_ptr<InferencePipeline> pipeline = std::move(resolved).value();  // pinned
  reject_record.model = pipeline.get();
  Plan plan;
  if (Status status = MakePlan(request, *pipeline, !serving_->has_model_directory(), &plan);
      !status.ok())
    return reject(status);
  // The other B - 1 images of the batch enter too (the in-flight cap counts
  // images), then the call is recorded once for all B.
  if (plan.batch > 1) {
    Status entered = serving_->Enter(plan.batch - 1);
    reject_record.images = plan.batch;
    if (!entered.ok()) return reject(entered);
  }

  const InputTensor& input = *plan.input;
  const int batch = plan.batch;
  const bool image_input = plan.image_input;
  const bool want_logits = plan.want_logits;
  const bool want_features = plan.want_features;
  auto gathered = std::make_shared<BatchedCall>(serving_, request, std::move(plan), call, pipeline,
                                                std::move(done));
  size_t bytes = 0;
  const int64_t deadline = serving_->RequestDeadline(call.deadline_micros);
  const size_t pixels_per_image = input.fp32_count / batch;
  for (int b = 0; b < batch; ++b) {
    InferenceRequest inference;
    if (image_input) {
      inference.image = input.bytes_elements[b];
      bytes += inference.image.size();
    } else {
      inference.pixels = CopyFloats(input, b * pixels_per_image, pixels_per_image);
      bytes += pixels_per_image * sizeof(float);
    }
    inference.want_logits = want_logits;
    inference.want_features = want_features;
    inference.deadline_micros = deadline;
    inference.cancelled = call.cancelled;
    if (b == batch - 1) gathered->set_bytes(bytes);
    pipeline->Submit(std::move(inference),
                     [gathered, b](const Status& status, InferenceResult result) {
                       gathered->OnResult(b, status, std::move(result));
                     });
  }
}

}  // namespace vit::server::oip
