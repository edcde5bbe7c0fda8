# Warnings and sanitizers for vit-serve's own targets: call vit_target_options(tgt).
function(vit_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(VIT_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(VIT_SANITIZE_ADDRESS)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(VIT_SANITIZE_THREAD)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(VIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "VIT_FUZZ needs clang's libFuzzer: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage feedback for libFuzzer in every library; only fuzz/ targets link
  # libFuzzer's main (-fsanitize=fuzzer), so tests keep GoogleTest's.
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()

# GNU gold (binutils, so on every Debian machine that has a compiler) links the
# ~90 executables (each against LibTorch, gRPC and the static project
# libraries) about 5x faster than the default ld.bfd: measured on a 2-core
# EPYC, 2.1 s -> 0.3 s per Release link, 4.1 s -> 0.9 s per ASan link.
option(VIT_LINK_WITH_GOLD "Link with GNU gold instead of the default ld.bfd (faster links)" ON)
if(VIT_LINK_WITH_GOLD)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=gold" VIT_HAVE_GOLD)
  if(VIT_HAVE_GOLD)
    add_link_options(-fuse-ld=gold)
  else()
    message(STATUS "ld.gold not found: linking with the default linker")
  endif()
endif()
