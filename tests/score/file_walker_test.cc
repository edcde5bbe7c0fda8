#include "score/file_walker.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit::score {
namespace {

using vit::testing::TempFolder;
using vit::testing::WriteFile;

std::vector<std::string> Walk(const std::vector<std::string>& roots, const std::string& ext) {
  FileWalker walker(roots, {ParseExtensions(ext)});
  std::vector<std::string> paths;
  WalkEntry entry;
  while (walker.Next(&entry)) paths.push_back(entry.path + (entry.error.ok() ? "" : " !"));
  return paths;
}

TEST(ParseExtensionsTest, TrimsDotsAndCase) {
  EXPECT_EQ(ParseExtensions("jpg, .PNG ,,WebP"), (std::vector<std::string>{"jpg", "png", "webp"}));
  EXPECT_TRUE(ParseExtensions("").empty());
}

TEST(FileWalkerTest, DepthFirstSortedOrderWithExtensionFilter) {
  TempFolder dir;
  for (const char* name : {"b.jpg", "a.PNG", "c.txt", "sub/z.jpg", "sub/a.jpg", "sub/deeper/m.jpeg",
                           "a_dir/x.jpg", "noext", ".hidden.jpg"}) {
    WriteFile(dir / name, "x");
  }
  std::filesystem::create_directories(dir / "empty");
  const std::string root = dir.path();
  EXPECT_EQ(Walk({root}, "jpg,png,jpeg"),
            (std::vector<std::string>{root + "/.hidden.jpg", root + "/a.PNG", root + "/a_dir/x.jpg",
                                      root + "/b.jpg", root + "/sub/a.jpg",
                                      root + "/sub/deeper/m.jpeg", root + "/sub/z.jpg"}));
  // Empty filter: every regular file; a trailing slash is not doubled.
  EXPECT_EQ(Walk({root + "/sub/"}, ""),
            (std::vector<std::string>{root + "/sub/a.jpg", root + "/sub/deeper/m.jpeg",
                                      root + "/sub/z.jpg"}));
}

TEST(FileWalkerTest, RootsInGivenOrderExplicitFilesAlwaysKept) {
  TempFolder dir;
  WriteFile(dir / "z/1.jpg", "x");
  WriteFile(dir / "a/2.jpg", "x");
  WriteFile(dir / "notes.txt", "x");
  EXPECT_EQ(Walk({dir / "z", dir / "notes.txt", dir / "a"}, "jpg"),
            (std::vector<std::string>{dir / "z/1.jpg", dir / "notes.txt", dir / "a/2.jpg"}));
}

TEST(FileWalkerTest, LinksToDirectoriesNotFollowedDanglingLinksKeptFifosSkipped) {
  TempFolder dir;
  WriteFile(dir / "real/a.jpg", "x");
  std::filesystem::create_directory_symlink(dir / "real", dir / "loop");
  std::filesystem::create_symlink(dir / "missing.jpg", dir / "real/dangling.jpg");
  std::filesystem::create_symlink(dir / "real/a.jpg", dir / "real/link.jpg");
  ASSERT_EQ(mkfifo((dir / "real/pipe.jpg").c_str(), 0600), 0);
  EXPECT_EQ(Walk({dir.path()}, "jpg"),
            (std::vector<std::string>{dir / "real/a.jpg", dir / "real/dangling.jpg",
                                      dir / "real/link.jpg"}));
}

TEST(FileWalkerTest, MissingRootIsAnErrorEntryAndTheWalkGoesOn) {
  TempFolder dir;
  WriteFile(dir / "a.jpg", "x");
  EXPECT_EQ(Walk({dir / "nope", dir.path()}, "jpg"),
            (std::vector<std::string>{dir / "nope !", dir / "a.jpg"}));
}

TEST(FileWalkerTest, UnlistableDirectoryIsAnErrorEntry) {
  if (geteuid() == 0) GTEST_SKIP() << "root lists any directory";
  TempFolder dir;
  WriteFile(dir / "locked/a.jpg", "x");
  WriteFile(dir / "open/b.jpg", "x");
  ASSERT_EQ(chmod((dir / "locked").c_str(), 0), 0);
  EXPECT_EQ(Walk({dir.path()}, "jpg"),
            (std::vector<std::string>{dir / "locked !", dir / "open/b.jpg"}));
  chmod((dir / "locked").c_str(), 0700);
}

}  // namespace
}  // namespace vit::score
