#include "tools/vit-client/request_mix.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <vector>

namespace vit::client {
namespace {

constexpr const char* kKindNames[kNumRequestKinds] = {"valid", "corrupt", "oversized", "deadline",
                                                      "cancel"};

std::string RandomBytes(std::mt19937_64* rng, size_t size) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>((*rng)() & 0xff);
  return bytes;
}

}  // namespace

const char* RequestKindName(RequestKind kind) { return kKindNames[static_cast<int>(kind)]; }

RequestKind RequestMix::Pick(std::mt19937_64* rng) const {
  int draw = static_cast<int>((*rng)() % static_cast<uint64_t>(total));
  for (int k = 0; k < kNumRequestKinds; ++k) {
    if (draw < weights[k]) return static_cast<RequestKind>(k);
    draw -= weights[k];
  }
  return RequestKind::kValid;  // not reached: the weights sum to total
}

StatusOr<RequestMix> ParseRequestMix(const std::string& spec) {
  RequestMix mix;
  std::istringstream items(spec);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    int kind = 0;
    while (kind < kNumRequestKinds && name != kKindNames[kind]) ++kind;
    if (eq == std::string::npos || kind == kNumRequestKinds) {
      return InvalidArgumentError("--mix: '" + item +
                                  "' is not KIND=WEIGHT with KIND one of valid, corrupt, "
                                  "oversized, deadline, cancel");
    }
    const std::string weight = item.substr(eq + 1);
    if (weight.empty() || weight.size() > 6 ||
        weight.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgumentError("--mix: the weight of '" + name +
                                  "' must be an integer in [0, 999999]; got '" + weight + "'");
    }
    mix.weights[kind] = std::stoi(weight);
  }
  for (int w : mix.weights) mix.total += w;
  if (mix.total == 0)
    return InvalidArgumentError("--mix: '" + spec + "' gives every kind weight 0");
  return mix;
}

bool IsExpectedCode(RequestKind kind, grpc::StatusCode code) {
  using grpc::StatusCode;
  if (code == StatusCode::RESOURCE_EXHAUSTED) return true;
  switch (kind) {
    case RequestKind::kValid:
      return code == StatusCode::OK;
    case RequestKind::kCorrupt:
    case RequestKind::kOversized:
      return code == StatusCode::INVALID_ARGUMENT;
    case RequestKind::kTightDeadline:
      return code == StatusCode::OK || code == StatusCode::DEADLINE_EXCEEDED;
    case RequestKind::kCancel:
      return code == StatusCode::CANCELLED || code == StatusCode::OK;
  }
  return false;
}

std::string MakeCorruptImage(std::mt19937_64* rng) {
  switch ((*rng)() % 3) {
    case 0:
      return RandomBytes(rng, 16 + (*rng)() % 4096);
    case 1:  // passes the PNG signature check, then fails in the decoder
      return std::string("\x89PNG\r\n\x1a\n", 8) + RandomBytes(rng, 16 + (*rng)() % 4096);
    default:
      return "";
  }
}

StatusOr<std::string> MakeOversizedPng(int side) {
  if (side < 1 || side > 46340) {  // 46340^2 still fits an int
    return InvalidArgumentError("--oversized-side must be in [1, 46340]; got " +
                                std::to_string(side));
  }
  std::vector<uint8_t> png;
  try {
    if (!cv::imencode(".png", cv::Mat(side, side, CV_8UC1, cv::Scalar(128)), png))
      return InternalError("cannot encode a " + std::to_string(side) + "^2 PNG");
  } catch (const cv::Exception& e) {
    return InternalError(std::string("cannot encode the oversized PNG: ") + e.what());
  }
  return std::string(png.begin(), png.end());
}

}  // namespace vit::client
