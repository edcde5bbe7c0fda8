#!/usr/bin/env bash
# Installs every Debian 12 package vit-serve needs to build, test and run.
# Idempotent: packages already present are skipped; uses sudo when not root.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config git clang-format
  # sanitizer + libFuzzer builds (scripts/test.sh): clang, its runtimes, llvm-symbolizer
  clang libclang-rt-14-dev llvm
  # libraries
  libtorch-dev libopencv-dev libdnnl-dev zlib1g-dev
  # dnnl's CMake config needs the OpenCL headers, which libdnnl-dev only recommends
  ocl-icd-opencl-dev opencl-c-headers
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libspdlog-dev libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
  # Boost.Beast + Boost.Asio (header-only): the HTTP front door (server/http/)
  libboost-dev
  # the HTTP API's inference-request JSON parser (server/http_api/)
  libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Debian's default BLAS is the reference one (ViT-B/16: ~9 s/image instead of 0.17 s).
  libopenblas0-openmp
  # training / evaluation data for the embedded default model
  dataset-fashion-mnist
  # Python test clients and baselines (Debian's /usr/bin/python3)
  python3 python3-numpy python3-torch python3-torchvision python3-grpcio python3-grpc-tools python3-opencv python3-pil
  # bench/vit/compare.sh's ONNX Runtime baseline: the ViT exported and quantized
  # with python3-onnx, run by onnxruntime-node (npm) on nodejs
  python3-onnx nodejs
  # the web page's browser test (tests/server/web_page_browser_test.py): headless
  # Chromium driven by Selenium
  chromium chromium-driver python3-selenium
  # malloc for vit-server (docker/Dockerfile preloads it): jemalloc with a background purge
  # thread returns freed model versions to the OS; glibc malloc keeps them
  # (bench/repository/reload_rss.py). tcmalloc: that script's third allocator
  libjemalloc2 libtcmalloc-minimal4
  # test certificates for TLS / mutual TLS (tests/server/access_control_test.cc)
  openssl
  # container smoke test (docker/smoke-test.sh) without a Docker daemon: podman
  podman runc debootstrap uidmap fuse-overlayfs
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm is its own Debian package, but a nodejs from elsewhere (NodeSource)
# bundles it and conflicts with Debian's: only ask for it when there is none.
command -v npm > /dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
