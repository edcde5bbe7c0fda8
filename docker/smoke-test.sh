#!/usr/bin/env bash
# Smoke test of the vit-serve container image, with docker or podman:
#   1. builds docker/Dockerfile (context: the repository root) and reports the
#      build time and the image size;
#   2. runs it on free ports, waits until the gRPC health check says SERVING and
#      runs the image's own HEALTHCHECK command;
#   3. classifies a test image over gRPC from the host with vit-client (the host's
#      build/bin/vit-client when it runs, else vit-client inside the container)
#      and reads /metrics;
#   4. sends SIGTERM and checks exit code 0 and the "drained in" log line;
#   5. KServe mode: runs the image as docker/kserve/serving-runtime.yaml does (its
#      command, args and env, read from the manifest; the model mounted at
#      /mnt/models; HTTP 8080, gRPC 9000) and calls REST v2 (/v2/health/ready,
#      /v2/models/<name>, an infer with the binary tensor data extension and one
#      with JSON pixel_values) and /v1/classify with curl, gRPC v2 with
#      vit-client --protocol oip-grpc, then SIGTERM again;
#   6. compose mode: runs the image as docker/compose.yaml does (its environment,
#      the repository's models/ folder as a model repository at /models), checks
#      the repository index, classifies naming the model, sends SIGHUP (a rescan
#      while serving) and SIGTERM (docker/compose_smoke.sh).
# The containers are removed on exit, whatever happens.
#
#   bash docker/smoke-test.sh
#
# Environment (all optional):
#   VIT_CONTAINER_ENGINE   docker | podman (default: docker when its daemon answers,
#                          else podman, prepared by the podman-offline script below)
#   VIT_PODMAN_OFFLINE     podman set-up script to source (default
#                          ../shared/tools/podman-offline.sh next to the repository)
#   VIT_SMOKE_IMAGE        image tag (default vit-serve:smoke)
#   VIT_SMOKE_SKIP_BUILD=1 use an existing VIT_SMOKE_IMAGE
#   VIT_SMOKE_BUILD_ONLY=1 only step 1: build the image, check it, exit (scripts/test.sh
#                          builds it in the background, then runs with SKIP_BUILD=1)
#   VIT_SMOKE_PREBUILT=1   build the image from this host's build (VIT_SMOKE_BUILD_DIR,
#                          default build/, installed into docker/prebuilt/) instead of
#                          compiling in the image's build stage: the runtime stage is
#                          the same; scripts/test.sh sets it
#   VIT_SMOKE_BUILD_ARGS   extra build arguments (word-split), e.g.
#                          "--no-cache"
#   VIT_SMOKE_MODEL        host model folder to mount at /models (VIT_MODEL=/models)
#                          instead of serving the image's default model
#   VIT_SMOKE_IMAGES       test images (space-separated; default: a few from
#                          ../shared/testdata/images)
#   VIT_SMOKE_CLIENT       vit-client binary on the host (default build/bin/vit-client)
#   VIT_SMOKE_TIMEOUT      seconds to wait for SERVING (default 300)
#   VIT_SMOKE_KSERVE=0     skip step 5
#   VIT_SMOKE_COMPOSE=0    skip step 6
# With the host network (podman offline) every port is a free one instead: the
# containers share the host's ports with whatever else runs there.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
image=${VIT_SMOKE_IMAGE:-vit-serve:smoke}
ready_timeout=${VIT_SMOKE_TIMEOUT:-300}
say() { echo "smoke: $*" >&2; }
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

# ---- engine -----------------------------------------------------------------
engine=${VIT_CONTAINER_ENGINE:-}
offline=0
if [ -z "$engine" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    engine=docker
  else
    engine=podman
  fi
fi
if [ "$engine" = podman ]; then
  setup=${VIT_PODMAN_OFFLINE:-$repo/../shared/tools/podman-offline.sh}
  if [ -f "$setup" ]; then
    say "preparing podman with $setup"
    # shellcheck disable=SC1090
    source "$setup"
    set -euo pipefail
    offline=1
  fi
fi
command -v "$engine" >/dev/null || fail "no container engine: neither a working docker nor podman"
say "engine: $engine ($("$engine" --version 2>/dev/null | head -1))"

build_flags=(-f docker/Dockerfile -t "$image")
if [ "$engine" = podman ]; then
  # OCI images drop HEALTHCHECK; the docker format keeps it.
  build_flags+=(--format docker)
  if [ "$offline" = 1 ]; then
    # No registry: the base images are local; bridge networking needs firewall
    # rules this kind of host does not allow.
    build_flags+=(--pull=never --network=host)
  fi
fi
network=${VIT_SMOKE_NETWORK:-}
if [ -z "$network" ]; then
  if [ "$offline" = 1 ]; then network=host; else network=publish; fi
fi

# ---- build ------------------------------------------------------------------
prebuilt=$repo/docker/prebuilt
if [ "${VIT_SMOKE_PREBUILT:-0}" = 1 ] && [ "${VIT_SMOKE_SKIP_BUILD:-0}" != 1 ]; then
  # The runtime stage over this host's build instead of the image's build stage.
  host_build=${VIT_SMOKE_BUILD_DIR:-$repo/build}
  [ -x "$host_build/bin/vit-server" ] || fail "VIT_SMOKE_PREBUILT=1: no $host_build/bin/vit-server"
  rm -rf "$prebuilt"
  trap 'rm -rf "$prebuilt"' EXIT  # until the image is built
  cmake --install "$host_build" --component serving --prefix "$prebuilt/opt/vit-serve" --strip \
    >/dev/null || fail "cmake --install $host_build --component serving"
  build_flags+=(--build-arg VIT_BINARIES=prebuilt)
  say "image from the host build $host_build (the Dockerfile's prebuilt stage, not its build stage)"
fi
if [ "${VIT_SMOKE_SKIP_BUILD:-0}" != 1 ]; then
  say "building $image"
  build_start=$(date +%s)
  # shellcheck disable=SC2086
  "$engine" build "${build_flags[@]}" ${VIT_SMOKE_BUILD_ARGS:-} .
  say "image built in $(( $(date +%s) - build_start )) s"
fi
rm -rf "$prebuilt"
size=$("$engine" image inspect --format '{{.Size}}' "$image")
say "image $image: $size bytes ($(( size / 1000000 )) MB)"
[ -n "$("$engine" image inspect --format '{{.Config.Healthcheck}}' "$image" | grep -v '^<nil>$' || true)" ] \
  || fail "the image has no HEALTHCHECK"
if [ "${VIT_SMOKE_BUILD_ONLY:-0}" = 1 ]; then
  say "PASS: image $image built (VIT_SMOKE_BUILD_ONLY=1: not run)"
  exit 0
fi

# ---- ports, images, client --------------------------------------------------
free_port() {
  local p
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  for _ in $(seq 100); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  fail "no free port found"
}
# Distinct free ports, one per name given: free_ports VAR...
taken=" "
free_ports() {
  local var p
  for var in "$@"; do
    p=$(free_port)
    while [[ "$taken" == *" $p "* ]]; do p=$(free_port); done
    taken+="$p "
    printf -v "$var" '%s' "$p"
  done
}
free_ports port metrics_port http_port

images=()
if [ -n "${VIT_SMOKE_IMAGES:-}" ]; then
  read -r -a images <<<"$VIT_SMOKE_IMAGES"
else
  for f in rocket.jpg butterfly.jpg astronaut.png; do
    [ -f "$repo/../shared/testdata/images/$f" ] && images+=("$repo/../shared/testdata/images/$f")
  done
fi
tmp=$(mktemp -d)
if [ ${#images[@]} -eq 0 ]; then
  if ! python3 -c 'import PIL' 2>/dev/null; then
    fail "no test images (set VIT_SMOKE_IMAGES) and no python3-pil to draw one"
  fi
  python3 -c 'import sys; from PIL import Image; Image.radial_gradient("L").convert("RGB").save(sys.argv[1])' \
    "$tmp/gradient.png"
  images=("$tmp/gradient.png")
fi

client=${VIT_SMOKE_CLIENT:-$repo/build/bin/vit-client}
host_client=0
if [ -x "$client" ] && "$client" --help >/dev/null 2>&1; then host_client=1; fi

# ---- run --------------------------------------------------------------------
name="vit-smoke-$$-$RANDOM"
kname="$name-kserve"
cleanup() {
  local rc=$? c
  for c in "$name" "$kname" "$name-compose"; do
    if [ "$rc" -ne 0 ] && "$engine" inspect "$c" >/dev/null 2>&1; then
      say "container $c log (last 40 lines):"
      "$engine" logs "$c" 2>&1 | tail -n 40 >&2 || true
    fi
    "$engine" rm -f "$c" >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As locked down as the Kubernetes manifests: read-only root file system (a tmpfs
# on /tmp), no capabilities, no privilege escalation.
args=(run -d --name "$name" --read-only --cap-drop=ALL --security-opt=no-new-privileges)
if [ "$engine" = docker ]; then args+=(--tmpfs /tmp); fi  # podman mounts one itself
if [ "$network" = host ]; then
  # The container shares the host's network: tell the server which ports to bind.
  args+=(--network=host -e VIT_HOST=127.0.0.1 -e "VIT_PORT=$port" -e "VIT_METRICS_PORT=$metrics_port"
    -e "VIT_HTTP_PORT=$http_port")
  inner_port=$port
else
  args+=(-p "127.0.0.1:$port:50051" -p "127.0.0.1:$metrics_port:8002" -p "127.0.0.1:$http_port:8000")
  inner_port=50051
fi
if [ -n "${VIT_SMOKE_MODEL:-}" ]; then
  args+=(-v "$(cd "$VIT_SMOKE_MODEL" && pwd):/models:ro" -e VIT_MODEL=/models)
  say "serving the mounted model $VIT_SMOKE_MODEL (/models)"
else
  say "serving the image's default model"
fi
if [ "$host_client" = 0 ]; then
  # vit-client runs inside the container: it needs the images there.
  mkdir -p "$tmp/images"
  cp "${images[@]}" "$tmp/images/"
  chmod -R a+rX "$tmp"
  args+=(-v "$tmp/images:/smoke-images:ro")
fi
args+=(-e VIT_THREADS=2 -e VIT_SHUTDOWN_DELAY_MS=200 "$image")
"$engine" "${args[@]}" >/dev/null
say "started $name (gRPC 127.0.0.1:$port, HTTP $http_port, metrics $metrics_port, network $network)"

client_cmd() {  # vit-client SUBCOMMAND ARGS... against the container
  if [ "$host_client" = 1 ]; then
    "$client" --server "127.0.0.1:$port" --timeout-ms 5000 "$@"
  else
    "$engine" exec "$name" vit-client --server "127.0.0.1:$inner_port" --timeout-ms 5000 "$@"
  fi
}
# vit-client against container $1 at host address $2 / container address $3, then ARGS...
client_at() {
  local container=$1 outside=$2 inside=$3
  shift 3
  if [ "$host_client" = 1 ]; then
    "$client" --server "$outside" --timeout-ms 5000 "$@"
  else
    "$engine" exec "$container" vit-client --server "$inside" --timeout-ms 5000 "$@"
  fi
}
if [ "$host_client" = 1 ]; then
  say "client: $client (host)"
  client_images=("${images[@]}")
else
  say "client: vit-client inside the container (no runnable $client)"
  client_images=()
  for f in "${images[@]}"; do client_images+=("/smoke-images/$(basename "$f")"); done
fi

# wait_ready CONTAINER STEP COMMAND...: runs COMMAND every second until it succeeds,
# failing when CONTAINER stops or after $ready_timeout s; sets ready_after (seconds).
wait_ready() {
  local container=$1 step=$2 begin running
  shift 2
  begin=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    running=$("$engine" inspect --format '{{.State.Running}}' "$container" 2>/dev/null || echo false)
    [ "$running" = true ] || fail "$step: the container stopped before it was ready"
    [ $(( $(date +%s) - begin )) -lt "$ready_timeout" ] || fail "$step: not ready after ${ready_timeout} s"
    sleep 1
  done
  ready_after=$(( $(date +%s) - begin ))
}

# ---- wait for SERVING -------------------------------------------------------
wait_ready "$name" "SERVING" client_cmd health
say "SERVING after $ready_after s"

# The image's own HEALTHCHECK command, run by the engine.
if [ "$engine" = podman ]; then
  podman healthcheck run "$name" || fail "podman healthcheck run: unhealthy"
  say "HEALTHCHECK: healthy (podman healthcheck run)"
else
  for _ in $(seq 60); do
    status=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name")
    [ "$status" = healthy ] && break
    sleep 2
  done
  [ "$status" = healthy ] || fail "docker health status: ${status:-none}"
  say "HEALTHCHECK: healthy (docker)"
fi

uid=$("$engine" exec "$name" id -u)
[ "$uid" != 0 ] || fail "the server runs as root"
say "server runs as uid $uid"

# ---- classify over gRPC -----------------------------------------------------
out=$(client_cmd classify --top-k 3 "${client_images[@]}") || fail "classify failed: $out"
echo "$out"
[ "$(grep -c 'p=' <<<"$out")" -ge "${#client_images[@]}" ] || fail "no predictions in the classify output"
client_cmd info >/dev/null || fail "vit-client info failed"
if command -v curl >/dev/null; then
  metrics=$(curl -fsS "http://127.0.0.1:$metrics_port/metrics") \
    || fail "http://127.0.0.1:$metrics_port/metrics does not answer"
  grep -q '^vit_requests_total' <<<"$metrics" || fail "no vit_requests_total in /metrics"
  say "metrics: http://127.0.0.1:$metrics_port/metrics answers"
  curl -fsS "http://127.0.0.1:$http_port/v2/health/ready" >/dev/null \
    || fail "http://127.0.0.1:$http_port/v2/health/ready does not answer 200"
  say "HTTP: http://127.0.0.1:$http_port/v2/health/ready answers 200"
fi

# ---- SIGTERM: drain and exit 0 ----------------------------------------------
say "sending SIGTERM"
stop_start=$(date +%s)
"$engine" kill --signal TERM "$name" >/dev/null
code=$(timeout 120 "$engine" wait "$name" | tail -n 1) || fail "the server did not exit within 120 s of SIGTERM"
say "exited with code $code after $(( $(date +%s) - stop_start )) s"
logs=$("$engine" logs "$name" 2>&1)
[ "$code" = 0 ] || fail "exit code $code after SIGTERM (want 0)"
drain=$(grep -m1 'drained in' <<<"$logs") || fail "no 'drained in' line in the log"
say "log: $drain"

if [ "${VIT_SMOKE_KSERVE:-1}" != 0 ]; then
  # shellcheck source=docker/kserve/smoke.sh
  source "$repo/docker/kserve/smoke.sh"
fi
if [ "${VIT_SMOKE_COMPOSE:-1}" != 0 ]; then
  # shellcheck source=docker/compose_smoke.sh
  source "$repo/docker/compose_smoke.sh"
fi
say "PASS"
