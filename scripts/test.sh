#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. the Release build's full ctest suite (unit + integration, parity on
#      ../shared/fixtures or $VIT_FIXTURES_DIR);
#   2. the preprocessing library and its tests (bad-input and fuzz corpus)
#      under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the container smoke test: build docker/Dockerfile with docker or podman,
#      run it, classify over gRPC from the host, SIGTERM, check the drain.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
bash scripts/build.sh

echo "== ctest (Release)"
ctest --test-dir build --output-on-failure --timeout 900 -j 2

echo "== ctest (preprocessing under AddressSanitizer + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIT_PREPROCESSING_ONLY=ON -DVIT_SANITIZE_ADDRESS=ON
cmake --build build-asan -j "$(nproc)"
ctest --test-dir build-asan --output-on-failure -j 2

echo "== container smoke test (podman or docker)"
bash docker/smoke-test.sh

echo "== all tests passed in $(( $(date +%s) - start )) s"
