#include "training/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <filesystem>

#include "model/vision_transformer.h"

namespace vit::training {

Status SaveTrainingCheckpoint(const std::string& path, VisionTransformer& net,
                              torch::optim::Optimizer& optimizer,
                              const TrainingProgress& progress) {
  const std::string temp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive model_archive;
    net->save(model_archive);
    archive.write("model", model_archive);
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("epoch", c10::IValue(progress.epoch));
    archive.write("step", c10::IValue(progress.step));
    archive.write("signature", c10::IValue(progress.signature));
    archive.write("rng", at::detail::getDefaultCPUGenerator().get_state());
    archive.save_to(temp);
  } catch (const c10::Error& e) {
    return InternalError("cannot write checkpoint '" + temp + "': " + e.what_without_backtrace());
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error)
    return InternalError("cannot rename '" + temp + "' to '" + path + "': " + error.message());
  return Status::Ok();
}

StatusOr<TrainingProgress> LoadTrainingCheckpoint(const std::string& path, VisionTransformer& net,
                                                  torch::optim::Optimizer& optimizer,
                                                  const std::string& expected_signature) {
  if (!std::filesystem::is_regular_file(path))
    return NotFoundError("no checkpoint at '" + path + "'");
  TrainingProgress progress;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    c10::IValue value;
    archive.read("signature", value);
    progress.signature = value.toStringRef();
    if (progress.signature != expected_signature) {
      return FailedPreconditionError("checkpoint '" + path +
                                     "' was written by a run with other settings:\n  checkpoint: " +
                                     progress.signature + "\n  this run:   " + expected_signature);
    }
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    net->load(model_archive);
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    archive.read("epoch", value);
    progress.epoch = value.toInt();
    archive.read("step", value);
    progress.step = value.toInt();
    torch::Tensor rng;
    archive.read("rng", rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(rng);
  } catch (const c10::Error& e) {
    return DataLossError("cannot read checkpoint '" + path + "': " + e.what_without_backtrace());
  }
  return progress;
}

}  // namespace vit::training
