// GET / and /web/{file}: the embedded files are the sources' bytes, served
// with their Content-Type, the self-only Content-Security-Policy and
// revalidation caching (ETag, 304).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "server/http_api/web_page.h"

namespace vit::server::http_api {
namespace {

http::HttpRequest Get(const std::string& path) {
  http::HttpRequest request;
  request.method = "GET";
  request.path = path;
  return request;
}

std::optional<std::string> HeaderOf(const http::HttpResponse& response, const std::string& name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) return value;
  }
  return std::nullopt;
}

// The tests run in the source tree (vit_add_test's working directory).
std::string Source(const std::string& name) {
  std::ifstream in("server/http_api/web/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WebPageTest, ServesTheSourcesBytesWithTheirContentTypes) {
  const struct {
    const char* path;
    const char* file;
    const char* content_type;
  } cases[] = {{"/", "index.html", "text/html; charset=utf-8"},
               {"/web/index.html", "index.html", "text/html; charset=utf-8"},
               {"/web/app.js", "app.js", "text/javascript; charset=utf-8"},
               {"/web/style.css", "style.css", "text/css; charset=utf-8"}};
  for (const auto& c : cases) {
    const std::string source = Source(c.file);
    ASSERT_FALSE(source.empty()) << "cannot read the source " << c.file;
    const http::HttpResponse response = ServeWebPage(Get(c.path));
    EXPECT_EQ(response.status, 200) << c.path;
    EXPECT_EQ(response.content_type, c.content_type) << c.path;
    EXPECT_TRUE(response.body == source) << c.path << ": the embedded bytes differ from " << c.file;
  }
}

TEST(WebPageTest, EveryFileCarriesTheSelfOnlyPolicyAndCachingHeaders) {
  for (const char* path : {"/", "/web/app.js", "/web/style.css"}) {
    const http::HttpResponse response = ServeWebPage(Get(path));
    EXPECT_EQ(HeaderOf(response, "Content-Security-Policy"), std::string(kWebPageCsp)) << path;
    EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-cache") << path;
    EXPECT_EQ(HeaderOf(response, "X-Content-Type-Options"), "nosniff") << path;
    const std::optional<std::string> etag = HeaderOf(response, "ETag");
    ASSERT_TRUE(etag.has_value()) << path;
    EXPECT_EQ(etag->size(), 18u) << *etag;
    EXPECT_EQ(etag->front(), '"');
  }
  EXPECT_NE(HeaderOf(ServeWebPage(Get("/")), "ETag"),
            HeaderOf(ServeWebPage(Get("/web/app.js")), "ETag"));
  const std::string csp(kWebPageCsp);
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("http"), std::string::npos) << "no other origin is allowed";
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << "no inline script or style";
}

TEST(WebPageTest, AnswersAMatchingIfNoneMatchWith304) {
  const std::string etag = *HeaderOf(ServeWebPage(Get("/")), "ETag");
  for (const std::string& sent : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    http::HttpRequest request = Get("/");
    request.headers.emplace_back("if-none-match", sent);
    const http::HttpResponse response = ServeWebPage(request);
    EXPECT_EQ(response.status, 304) << sent;
    EXPECT_TRUE(response.body.empty()) << sent;
    EXPECT_EQ(HeaderOf(response, "ETag"), etag) << sent;
  }
  http::HttpRequest stale = Get("/");
  stale.headers.emplace_back("If-None-Match", "\"0000000000000000\"");
  EXPECT_EQ(ServeWebPage(stale).status, 200);
}

TEST(WebPageTest, UnknownFilesAre404InTheErrorShape) {
  for (const char* path : {"/web/nope.js", "/web/", "/web/../index.html"}) {
    const http::HttpResponse response = ServeWebPage(Get(path));
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_TRUE(nlohmann::json::parse(response.body).contains("error")) << path;
  }
}

TEST(WebPageTest, ThePageLoadsNothingFromElsewhere) {
  for (const char* file : {"index.html", "app.js", "style.css"}) {
    const std::string body = ServeWebPage(Get(std::string("/web/") + file)).body;
    EXPECT_EQ(body.find("http://"), std::string::npos) << file;
    EXPECT_EQ(body.find("https://"), std::string::npos) << file;
    EXPECT_EQ(body.find("@import"), std::string::npos) << file;
  }
  const std::string html = ServeWebPage(Get("/")).body;
  EXPECT_NE(html.find("<script src=\"/web/app.js\""), std::string::npos);
  EXPECT_NE(html.find("href=\"/web/style.css\""), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos) << "inline scripts break the policy";
  EXPECT_EQ(html.find("style=\""), std::string::npos) << "inline styles break the policy";
}

TEST(WebPageTest, TheFileInputAndTheControlsAreLabelled) {
  const std::string html = ServeWebPage(Get("/")).body;
  for (const char* id : {"file", "opacity", "model", "token"}) {
    EXPECT_NE(html.find(std::string("<label for=\"") + id + "\""), std::string::npos) << id;
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(html.find("<input type=\"file\" id=\"file\""), std::string::npos)
      << "a native file input stays keyboard-usable";
  EXPECT_NE(html.find("role=\"alert\""), std::string::npos) << "errors are announced";
}

}  // namespace
}  // namespace vit::server::http_api
