# shellcheck shell=bash disable=SC2154  # sourced: the variables are docker/smoke-test.sh's
# Step 6 of docker/smoke-test.sh, sourced by it (uses its engine, image, network,
# helpers and temporary folder): the image run the way docker/compose.yaml runs
# it, a model repository on a volume, then the repository index, a classify that
# names the model, a SIGHUP rescan while serving, and SIGTERM.
#
# The container gets the compose service's environment (${VAR:-default} read as
# its default) and the repository's models/ folder at /models, as the compose
# file's default volume; with the host network, free ports instead of 50051/8000/8002.

compose_file="$repo/docker/compose.yaml"
cname="$name-compose"
python3 -c 'import yaml' 2>/dev/null || fail "compose step: needs python3 with yaml (python3-yaml)"
compose_env=$(python3 - "$compose_file" <<'PY'
import re, sys, yaml
service = yaml.safe_load(open(sys.argv[1]))["services"]["vit-server"]
for key, value in service["environment"].items():
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
    print(f"{key}={value}")
PY
) || fail "cannot read $compose_file"
grep -q '^VIT_MODEL_REPOSITORY=/models$' <<<"$compose_env" \
  || fail "compose step: $compose_file does not serve a repository at /models"
cenv=()
while IFS= read -r line; do cenv+=(-e "$line"); done <<<"$compose_env"

cargs=(run -d --name "$cname" --read-only --cap-drop=ALL --security-opt=no-new-privileges
  -v "$repo/models:/models:ro" "${cenv[@]}" -e VIT_THREADS=2 -e VIT_SHUTDOWN_DELAY_MS=200)
if [ "$engine" = docker ]; then cargs+=(--tmpfs /tmp); fi
if [ "$network" = host ]; then
  free_ports cgrpc chttp cmetrics
  cargs+=(--network=host -e VIT_HOST=127.0.0.1 -e "VIT_PORT=$cgrpc" -e "VIT_HTTP_PORT=$chttp"
    -e "VIT_METRICS_PORT=$cmetrics")
  cgrpc_inner=$cgrpc
else
  free_ports cgrpc chttp
  cargs+=(-p "127.0.0.1:$cgrpc:50051" -p "127.0.0.1:$chttp:8000")
  cgrpc_inner=50051
fi
if [ "$host_client" = 0 ]; then cargs+=(-v "$tmp/images:/smoke-images:ro"); fi
cargs+=("$image")
"$engine" "${cargs[@]}" >/dev/null
say "compose mode: started $cname (repository $repo/models at /models; gRPC 127.0.0.1:$cgrpc, HTTP $chttp)"

cbase="http://127.0.0.1:$chttp"
wait_ready "$cname" "compose mode" curl -fsS "$cbase/v2/health/ready"
say "compose mode: ready after $ready_after s"

check_index() {  # the repository index lists vit-fashion-mnist, READY
  local index
  index=$(curl -fsS -X POST "$cbase/v2/repository/index") || fail "compose mode: POST /v2/repository/index"
  python3 -c '
import json, sys
models = {m["name"]: m for m in json.loads(sys.argv[1])}
m = models.get("vit-fashion-mnist")
sys.exit(0 if m and m.get("state") == "READY" else 1)' "$index" \
    || fail "compose mode: vit-fashion-mnist is not READY in the index: $index"
  say "compose mode: $1: repository index $index"
}
check_index "after start"
out=$(client_at "$cname" "127.0.0.1:$cgrpc" "127.0.0.1:$cgrpc_inner" --model vit-fashion-mnist \
  classify --top-k 3 "${client_images[@]:0:1}") || fail "compose mode: classify --model vit-fashion-mnist: $out"
grep -q 'p=' <<<"$out" || fail "compose mode: no predictions: $out"
say "compose mode: classify --model vit-fashion-mnist answers"

# SIGHUP rescans the repository (nothing changed: the model keeps serving).
"$engine" kill --signal HUP "$cname" >/dev/null
sleep 2
curl -fsS "$cbase/v2/health/ready" >/dev/null || fail "compose mode: not ready after SIGHUP"
check_index "after SIGHUP"
# The whole log first: with pipefail, grep -q's early exit can fail `logs` (SIGPIPE).
clog=$("$engine" logs "$cname" 2>&1 || true)
grep -qi 'rescan' <<<"$clog" || fail "compose mode: no rescan in the log after SIGHUP"

"$engine" kill --signal TERM "$cname" >/dev/null
code=$(timeout 120 "$engine" wait "$cname" | tail -n 1) || fail "compose mode: no exit within 120 s of SIGTERM"
[ "$code" = 0 ] || fail "compose mode: exit code $code after SIGTERM (want 0)"
say "compose mode: SIGTERM, exit 0"
