#!/usr/bin/env bash
# The main job: installs what is missing, builds, and serves the embedded
# default model (Fashion-MNIST ViT) over gRPC on port 50051 (metrics on 8002).
# Arguments are passed to vit-server, e.g. scripts/run.sh --model DIR --port 9000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec "${VIT_BUILD_DIR:-build}/bin/vit-server" "$@"
