#include "preprocessing/image_preprocessor.h"

#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "preprocessing/color_conversion.h"
#include "preprocessing/exif_orientation.h"
#include "preprocessing/image_decoder.h"
#include "preprocessing/image_header.h"
#include "preprocessing/patchify.h"
#include "preprocessing/resize_plan.h"

namespace vit::preprocessing {
namespace {

// Prefixes a non-OK status with the file it concerns.
Status WithPath(const std::string& path, Status status) {
  if (status.ok()) return status;
  return Status(status.code(), path + ": " + status.message());
}

Status ReadFile(const std::string& path, size_t max_bytes, std::vector<uint8_t>* bytes) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return NotFoundError(path + ": cannot open file");
  const std::streamoff size = file.tellg();
  if (size < 0) return InvalidArgumentError(path + ": cannot determine file size");
  if (static_cast<uint64_t>(size) > max_bytes) {
    return InvalidArgumentError(path + ": encoded image too large: " + std::to_string(size) +
                                " bytes, max_image_bytes is " + std::to_string(max_bytes));
  }
  bytes->resize(static_cast<size_t>(size));
  file.seekg(0);
  if (size > 0 && !file.read(reinterpret_cast<char*>(bytes->data()), size)) {
    return DataLossError(path + ": read failed");
  }
  return Status::Ok();
}

// Runs `body` (returning Status or StatusOr) and turns any exception into kInternal.
template <typename Body>
auto NoThrow(const Body& body) -> decltype(body()) {
  try {
    return body();
  } catch (const cv::Exception& e) {
    return InternalError(std::string("OpenCV error: ") + e.what());
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while preprocessing an image");
  } catch (const std::exception& e) {
    return InternalError(std::string("unexpected error: ") + e.what());
  }
}

}  // namespace

Status ValidatePreprocessSpec(const PreprocessSpec& spec) {
  const std::string where = "invalid PreprocessSpec (" + spec.ToString() + "): ";
  if (spec.channels != 1 && spec.channels != 3) {
    return InvalidArgumentError(where + "channels must be 1 or 3");
  }
  if (spec.patch_size <= 0 || spec.input_height <= 0 || spec.input_width <= 0 ||
      spec.input_height % spec.patch_size != 0 || spec.input_width % spec.patch_size != 0) {
    return InvalidArgumentError(where + "input size must be a positive multiple of patch_size");
  }
  if (spec.resize_mode == ResizeMode::kShorterSideThenCenterCrop && spec.resize_shorter_side <= 0) {
    return InvalidArgumentError(where + "resize_shorter_side must be positive");
  }
  for (const auto* values : {&spec.mean, &spec.std}) {
    if (values->size() != 1 && values->size() != static_cast<size_t>(spec.channels)) {
      return InvalidArgumentError(where + "mean/std need 1 or `channels` values");
    }
  }
  for (float s : spec.std) {
    if (s == 0.0f || !std::isfinite(s)) return InvalidArgumentError(where + "std must be nonzero");
  }
  return Status::Ok();
}

ImagePreprocessor::ImagePreprocessor(PreprocessSpec spec, PreprocessOptions options)
    : spec_(std::move(spec)), options_(options), init_status_(ValidatePreprocessSpec(spec_)) {
  if (init_status_.ok()) {
    normalization_table_ = MakeNormalizationTable(spec_.mean, spec_.std, spec_.channels);
  }
}

size_t ImagePreprocessor::tokens_size() const {
  return static_cast<size_t>(spec_.num_patches()) * static_cast<size_t>(spec_.token_dim());
}

int ImagePreprocessor::ChooseReduction(const ImageHeader& header, cv::Size upright) const {
  if (!options_.reduced_decode || header.format != ImageFormat::kJpeg) return 1;
  const cv::Size target = PlanResize(spec_, upright).resized;
  for (int reduction : {8, 4, 2}) {
    // libjpeg's scaled size is ceil(size / reduction).
    const double w = std::ceil(double(upright.width) / reduction);
    const double h = std::ceil(double(upright.height) / reduction);
    if (w >= options_.reduced_decode_min_ratio * target.width &&
        h >= options_.reduced_decode_min_ratio * target.height) {
      return reduction;
    }
  }
  return 1;
}

StatusOr<cv::Mat> ImagePreprocessor::DecodeUpright(const uint8_t* data, size_t size,
                                                   cv::Size* full_size) const {
  const DecodeLimits limits{options_.max_pixels, options_.max_image_bytes};
  VIT_ASSIGN_OR_RETURN(const ImageHeader header, InspectEncodedImage(data, size, limits));
  if (header.format == ImageFormat::kTiff && OrientationSwapsAxes(header.exif_orientation)) {
    // OpenCV 4.6's TIFF reader (libtiff RGBA path) transposes these itself, but
    // not into PIL's upright image; refuse rather than return a wrong orientation.
    return UnimplementedError("TIFF with orientation tag " +
                              std::to_string(header.exif_orientation) + " is not supported");
  }
  const int orientation = options_.apply_exif_orientation ? header.exif_orientation : 1;
  const cv::Size stored(static_cast<int>(header.width), static_cast<int>(header.height));
  *full_size = OrientationSwapsAxes(orientation) ? cv::Size(stored.height, stored.width) : stored;

  VIT_ASSIGN_OR_RETURN(const cv::Mat decoded,
                       DecodePixels(data, size, header, ChooseReduction(header, *full_size)));
  VIT_ASSIGN_OR_RETURN(const cv::Mat canonical, ToCanonical8Bit(decoded, spec_.channels));
  return ApplyExifOrientation(canonical, orientation);
}

StatusOr<cv::Mat> ImagePreprocessor::EncodedToInternalCrop(const uint8_t* data, size_t size) const {
  if (!init_status_.ok()) return init_status_;
  return NoThrow([&]() -> StatusOr<cv::Mat> {
    cv::Size full_size;
    VIT_ASSIGN_OR_RETURN(const cv::Mat image, DecodeUpright(data, size, &full_size));
    // After a reduced decode the plan still follows the full-size geometry.
    return ResizeAndCrop(image, PlanResize(spec_, full_size), spec_.interpolation);
  });
}

void ImagePreprocessor::InternalCropToTokens(const cv::Mat& crop, float* out) const {
  PatchifyToTokens(crop, ChannelOrder::kBgr, spec_.channels, spec_.patch_size,
                   normalization_table_.data(), out);
}

Status ImagePreprocessor::EncodedToTokens(const uint8_t* data, size_t size, float* out) const {
  VIT_ASSIGN_OR_RETURN(const cv::Mat crop, EncodedToInternalCrop(data, size));
  InternalCropToTokens(crop, out);
  return Status::Ok();
}

StatusOr<cv::Mat> ImagePreprocessor::EncodedToCrop(const uint8_t* data, size_t size) const {
  StatusOr<cv::Mat> crop = EncodedToInternalCrop(data, size);
  if (!crop.ok() || spec_.channels == 1) return crop;
  return NoThrow([&]() -> StatusOr<cv::Mat> {
    cv::Mat rgb;
    const int code = crop->channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB;
    cv::cvtColor(*crop, rgb, /*code=*/code);
    return rgb;
  });
}

Status ImagePreprocessor::FileToTokens(const std::string& path, float* out) const {
  std::vector<uint8_t> bytes;
  VIT_RETURN_IF_ERROR(ReadFile(path, options_.max_image_bytes, &bytes));
  return WithPath(path, EncodedToTokens(bytes.data(), bytes.size(), out));
}

StatusOr<cv::Mat> ImagePreprocessor::FileToCrop(const std::string& path) const {
  std::vector<uint8_t> bytes;
  VIT_RETURN_IF_ERROR(ReadFile(path, options_.max_image_bytes, &bytes));
  StatusOr<cv::Mat> crop = EncodedToCrop(bytes.data(), bytes.size());
  if (!crop.ok()) return WithPath(path, crop.status());
  return crop;
}

Status ImagePreprocessor::ValidateCrop(const cv::Mat& crop) const {
  if (!init_status_.ok()) return init_status_;
  if (crop.depth() != CV_8U || (crop.channels() != 1 && crop.channels() != 3) ||
      crop.rows != spec_.input_height || crop.cols != spec_.input_width) {
    return InvalidArgumentError(
        "crop must be 8-bit gray or RGB of " + std::to_string(spec_.input_width) + "x" +
        std::to_string(spec_.input_height) + ", got " + std::to_string(crop.cols) + "x" +
        std::to_string(crop.rows) + " with " + std::to_string(crop.channels()) + " channels");
  }
  return Status::Ok();
}

void ImagePreprocessor::CropToTokens(const cv::Mat& crop, float* out) const {
  if (!ValidateCrop(crop).ok()) {
    std::fill(out, out + tokens_size(), std::numeric_limits<float>::quiet_NaN());
    return;
  }
  if (spec_.channels == 1 && crop.channels() == 3) {
    cv::Mat bgr;
    cv::cvtColor(crop, bgr, /*code=*/cv::COLOR_RGB2BGR);
    InternalCropToTokens(BgrToPilLuma(bgr), out);
    return;
  }
  PatchifyToTokens(crop, ChannelOrder::kRgb, spec_.channels, spec_.patch_size,
                   normalization_table_.data(), out);
}

}  // namespace vit::preprocessing
