// Encoded image bytes -> the tokens a ViT consumes, executing a PreprocessSpec
// the way PIL + torchvision / timm / Hugging Face do (see README of the fixtures):
//   decode (image_decoder) -> 8-bit RGB/L as PIL convert() (color_conversion)
//   -> EXIF orientation (exif_orientation) -> PIL-exact resize + center crop
//   (pil_resample, resize_plan) -> normalize + patchify (patchify).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/preprocess_spec.h"
#include "common/status.h"

namespace vit::preprocessing {

struct ImageHeader;

struct PreprocessOptions {
  /// Images whose header announces more pixels than this are rejected before
  /// decoding (decompression bombs). Default 64 Mpx (64,000,000): a 64 Mpx RGB
  /// image decodes to 192 MB; well above phone cameras (12-50 Mpx).
  int64_t max_pixels = 64'000'000;
  /// Largest encoded image in bytes (a file, or the bytes of a request);
  /// larger is INVALID_ARGUMENT before anything is decoded. The one byte limit
  /// of every tool and the server (flag --max-image-bytes). Default 16 MiB.
  size_t max_image_bytes = size_t{16} << 20;
  /// Fast path: decode large JPEGs at 1/2, 1/4 or 1/8 scale (IMREAD_REDUCED_*)
  /// when the target is much smaller. Off by default: libjpeg's DCT-domain
  /// downscale differs from decode-then-antialias by more than the parity bounds
  /// (mean 0.1 / max 2 levels) on detailed images; see bench/preprocess.
  bool reduced_decode = false;
  /// With reduced_decode, the largest reduction is used that still leaves at
  /// least this many decoded pixels per resized pixel along each axis, so the
  /// antialiasing filter keeps real work to do. Default 2.0.
  double reduced_decode_min_ratio = 2.0;
  /// Apply EXIF orientation (JPEG APP1, PNG eXIf, WebP EXIF, TIFF tag 274) as
  /// PIL's ImageOps.exif_transpose. Default true. TIFFs with orientation 5-8 are
  /// refused (kUnimplemented): OpenCV's TIFF reader transposes them inconsistently.
  bool apply_exif_orientation = true;
};

// Checks that a spec can be executed: channels 1 or 3, positive sizes divisible
// by the patch size, mean/std with one value or one per channel, std != 0.
Status ValidatePreprocessSpec(const PreprocessSpec& spec);

// Thread-safe: every method is const and keeps no mutable state. Never throws;
// failures come back as Status, naming the file when there is one.
class ImagePreprocessor {
 public:
  // An invalid spec makes every Encoded*/File* call return init_status().
  explicit ImagePreprocessor(PreprocessSpec spec, PreprocessOptions options = {});

  const PreprocessSpec& spec() const { return spec_; }
  const PreprocessOptions& options() const { return options_; }
  /// ValidatePreprocessSpec(spec()).
  const Status& init_status() const { return init_status_; }
  /// Number of floats one image's tokens occupy: spec.num_patches() * spec.token_dim().
  size_t tokens_size() const;

  /// Decode encoded bytes (JPEG/PNG/BMP/WebP/TIFF/PNM/Sun raster/JPEG 2000) and write
  /// normalized tokens [N, C*P*P] into out[0..tokens_size()).
  Status EncodedToTokens(const uint8_t* data, size_t size, float* out) const;
  Status FileToTokens(const std::string& path, float* out) const;

  /// The uint8 crop (input_height x input_width, RGB or gray) before normalization.
  StatusOr<cv::Mat> EncodedToCrop(const uint8_t* data, size_t size) const;
  StatusOr<cv::Mat> FileToCrop(const std::string& path) const;

  /// Normalize + patchify an already-decoded uint8 crop of the spec's size: RGB
  /// (CV_8UC3) or gray (CV_8UC1, replicated for 3-channel specs); an RGB crop for a
  /// 1-channel spec is converted to PIL luma. Precondition: ValidateCrop(crop).ok();
  /// otherwise out is filled with NaN.
  void CropToTokens(const cv::Mat& crop, float* out) const;
  Status ValidateCrop(const cv::Mat& crop) const;

 private:
  // The crop in internal layout: gray, or 3 channels in BGR order.
  StatusOr<cv::Mat> EncodedToInternalCrop(const uint8_t* data, size_t size) const;
  StatusOr<cv::Mat> DecodeUpright(const uint8_t* data, size_t size, cv::Size* full_size) const;
  int ChooseReduction(const ImageHeader& header, cv::Size upright) const;
  void InternalCropToTokens(const cv::Mat& crop, float* out) const;

  PreprocessSpec spec_;
  PreprocessOptions options_;
  Status init_status_;
  std::vector<float> normalization_table_;
};

}  // namespace vit::preprocessing
