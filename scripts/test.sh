#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. the Release build's full ctest suite (unit + integration, parity on
#      ../shared/fixtures or $VIT_FIXTURES_DIR);
#   2. build-asan (clang, AddressSanitizer + UndefinedBehaviorSanitizer, with
#      libFuzzer coverage): the unit and integration tests except the ones
#      named in ASAN_SKIP below, the kept fuzz reproducers (fuzz/regressions),
#      then every libFuzzer harness for $VIT_FUZZ_SECONDS s (default 20) each;
#   3. build-tsan (clang, ThreadSanitizer, no LibTorch: VIT_NO_TORCH): the batch
#      scheduler, shared executor, worker pool, service + pipeline, cancellation,
#      model manager and OIP runner tests over a fake model, the repository
#      scan, and the HTTP transport;
#   4. the container smoke test: build docker/Dockerfile with docker or podman
#      (its runtime stage over the Release build of step 1: VIT_SMOKE_PREBUILT=1),
#      run it, classify over gRPC from the host, SIGTERM, check the drain. The
#      image is built in the background while step 2 compiles (it mostly waits
#      on the container engine's downloads and disk), and run at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
echo "== set-up took $(( $(date +%s) - start )) s"
step=$(date +%s)
bash scripts/build.sh
echo "== Release build took $(( $(date +%s) - step )) s"

# The browser test (server_web_page_browser_test) skips itself without
# chromium unless this is set: here a missing browser is a failure.
export VIT_REQUIRE_BROWSER=1

echo "== ctest (Release)"
step=$(date +%s)
ctest --test-dir build --output-on-failure --timeout 900 -j 2
echo "== Release ctest took $(( $(date +%s) - step )) s"

# Sanitizer builds: clang, -O1 with line tables for readable reports.
sanitizer_build=(-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only")
if command -v ccache > /dev/null; then sanitizer_build+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
export LSAN_OPTIONS="suppressions=$PWD/sanitizers/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
export UBSAN_OPTIONS=print_stacktrace=1

# The container image, in the background while the sanitizer build compiles:
# the runtime stage over the Release build above (the Dockerfile's prebuilt
# stage; compiling again in its build stage would compile the project a second
# time, which plain `bash docker/smoke-test.sh` does).
image_log=$PWD/build/smoke-image.log
echo "== container image build (background, log: $image_log)"
VIT_SMOKE_PREBUILT=1 VIT_SMOKE_BUILD_ONLY=1 bash docker/smoke-test.sh > "$image_log" 2>&1 &
image_build=$!

echo "== ctest (AddressSanitizer + UBSan) and libFuzzer harnesses"
step=$(date +%s)
cmake -S . -B build-asan "${sanitizer_build[@]}" -DVIT_SANITIZE_ADDRESS=ON -DVIT_FUZZ=ON
# Only what the tests and harnesses need: no vit-train, vit-bench or bench/.
cmake --build build-asan -j "$(nproc)" --target vit_tests vit_fuzzers
echo "== ASan build done after $(( $(date +%s) - step )) s"
if ! wait "$image_build"; then
  cat "$image_log"
  echo "== the container image build failed (log above)"
  exit 1
fi
tail -n 3 "$image_log"
# ASAN_SKIP, run by the Release step only, to keep CI time down (about 4 min of
# ASan time together): the default model's accuracy on all 10,000 Fashion-MNIST
# test images, the timed 45 s soak, vit-score's runs over 1,000 generated
# images (the score tests on the real test images still run here), the
# explanations' comparison with the Python + torch reference (the same C++
# runs here in ExplainPrecision and the explain unit tests) and the headless
# browser test (the HTTP endpoints it calls run here in their own tests).
ASAN_SKIP='^(DefaultModelTest|ScoreIntegrationTest|ScoreServerTest)\.|^server_soak_short$'
ASAN_SKIP+='|^Fixtures/ExplainReference\.|^server_web_page_browser_test$'
ctest --test-dir build-asan --output-on-failure --timeout 900 -j 2 --no-tests=error \
  -E "$ASAN_SKIP"
bash fuzz/run_fuzzers.sh build-asan "${VIT_FUZZ_SECONDS:-20}"
echo "== ASan + UBSan + fuzzing took $(( $(date +%s) - step )) s"

echo "== ctest (ThreadSanitizer, no LibTorch)"
step=$(date +%s)
cmake -S . -B build-tsan "${sanitizer_build[@]}" -DVIT_NO_TORCH=ON -DVIT_SANITIZE_THREAD=ON
# Not server_service_test: Debian's gRPC and Abseil are uninstrumented, so their
# locks are invisible to TSan and every gRPC callback is reported as a race.
# The request path without gRPC (server_pipeline_concurrency_test) runs instead.
# The Open Inference Protocol runner and the HTTP transport (Boost.Asio, no
# gRPC) run here too, and the model control runner (its threads, no gRPC).
cmake --build build-tsan -j "$(nproc)" --target batch_scheduler_test \
  server_pipeline_concurrency_test server_oip_runner_test server_http_test \
  server_model_control_runner_test server_batch_executor_test server_pipeline_cancellation_test \
  server_model_manager_test server_repository_scan_test server_explain_test
ctest --test-dir build-tsan --output-on-failure -j 2 --no-tests=error \
  -R '^(BatchScheduler|WorkerPool|PipelineConcurrency|OipRunner|HttpServer|HttpsServer|HttpMessage|RequestTarget|PeerAddress|ModelControlRunner|BatchExecutor|PipelineCancellation|ModelManager|RepositoryScan|ModelSettings|MemoryEstimate|ExplainPipeline)'
echo "== ThreadSanitizer took $(( $(date +%s) - step )) s"

echo "== container smoke test (podman or docker), on the image built above"
step=$(date +%s)
VIT_SMOKE_SKIP_BUILD=1 bash docker/smoke-test.sh
echo "== container smoke test took $(( $(date +%s) - step )) s"

echo "== all tests passed in $(( $(date +%s) - start )) s"
