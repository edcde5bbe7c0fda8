#include "common/file_util.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/text.h"

namespace vit {
namespace {

bool IsPrintableWithoutSpaces(const std::string& token) {
  for (unsigned char c : token)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace

StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFoundError("cannot read " + path);
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return DataLossError("error while reading " + path);
  return contents.str();
}

StatusOr<std::string> LoadBearerToken(const std::string& token_file, const std::string& flag) {
  std::string token;
  std::string source;
  if (!token_file.empty()) {
    source = flag + " " + token_file;
    StatusOr<std::string> contents = ReadFileToString(token_file);
    if (!contents.ok()) return InvalidArgumentError(flag + ": " + contents.status().message());
    token = TrimWhitespace(*contents);
    if (token.empty()) return InvalidArgumentError(source + " holds no token");
  } else if (const char* env = std::getenv(kAuthTokenEnv)) {
    token = TrimWhitespace(env);
    source = std::string("$") + kAuthTokenEnv;
  }
  if (!IsPrintableWithoutSpaces(token))
    return InvalidArgumentError(source + ": the token must be printable ASCII without spaces");
  return token;
}

}  // namespace vit
