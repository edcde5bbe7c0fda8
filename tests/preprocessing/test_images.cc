#include "tests/preprocessing/test_images.h"

#include <fstream>
#include <iterator>

#include <opencv2/imgcodecs.hpp>

namespace vit::testing {
namespace {

uint32_t Crc32(const uint8_t* data, size_t size, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void PutBe32(std::vector<uint8_t>* out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<uint8_t>(v >> s));
}

}  // namespace

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
}

std::vector<uint8_t> Encode(const cv::Mat& image, const std::string& extension,
                            const std::vector<int>& params) {
  std::vector<uint8_t> bytes;
  if (!cv::imencode(extension, image, bytes, params)) bytes.clear();
  return bytes;
}

cv::Mat RandomImage(int width, int height, int type, uint64_t seed) {
  cv::Mat image(height, width, type);
  cv::RNG rng(seed);
  const double high = CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256;
  rng.fill(image, /*distType=*/cv::RNG::UNIFORM, /*a=*/0, /*b=*/high);
  return image;
}

std::vector<uint8_t> ExifWithOrientation(int orientation) {
  return {'M',  'M',
          0,    42,
          0,    0,
          0,    8,  // header, IFD0 at 8
          0,    1,  // one entry
          0x01, 0x12,
          0,    3,
          0,    0,
          0,    1,  // tag 274, SHORT, count 1
          0,    static_cast<uint8_t>(orientation),
          0,    0,
          0,    0,
          0,    0};  // value, next IFD 0
}

std::vector<uint8_t> WithJpegExif(const std::vector<uint8_t>& jpeg, int orientation) {
  std::vector<uint8_t> payload = {'E', 'x', 'i', 'f', 0, 0};
  const std::vector<uint8_t> tiff = ExifWithOrientation(orientation);
  payload.insert(payload.end(), tiff.begin(), tiff.end());
  const size_t length = payload.size() + 2;
  std::vector<uint8_t> out;
  out.reserve(jpeg.size() + length + 2);
  out.push_back(jpeg.at(0));  // SOI
  out.push_back(jpeg.at(1));
  for (uint8_t b : {uint8_t{0xFF}, uint8_t{0xE1}, static_cast<uint8_t>(length >> 8),
                    static_cast<uint8_t>(length & 0xFF)}) {
    out.push_back(b);
  }
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

std::vector<uint8_t> WithPngChunk(const std::vector<uint8_t>& png, const std::string& type,
                                  const std::vector<uint8_t>& data) {
  constexpr size_t kAfterIhdr = 8 + 12 + 13;
  std::vector<uint8_t> out(png.begin(), png.begin() + kAfterIhdr);
  PutBe32(&out, static_cast<uint32_t>(data.size()));
  std::vector<uint8_t> body(type.begin(), type.end());
  body.insert(body.end(), data.begin(), data.end());
  out.insert(out.end(), body.begin(), body.end());
  PutBe32(&out, Crc32(body.data(), body.size()));
  out.insert(out.end(), png.begin() + kAfterIhdr, png.end());
  return out;
}

}  // namespace vit::testing
