// The web page's files (server/http_api/web/), embedded in the binary at
// build time by cmake/VitEmbedFiles.cmake: index.html, app.js, style.css.
#pragma once

#include <cstddef>

namespace vit {

/// One embedded file: its base name and its bytes.
struct EmbeddedFile {
  const char* name;
  const unsigned char* data;
  size_t size;
};

namespace server::http_api {

/// Defined in the generated web_files.cc, in the order CMake lists them.
extern const EmbeddedFile kWebFiles[];
extern const size_t kWebFilesCount;

}  // namespace server::http_api
}  // namespace vit
