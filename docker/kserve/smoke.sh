# shellcheck shell=bash disable=SC2154  # sourced: the variables are docker/smoke-test.sh's
# Step 5 of docker/smoke-test.sh, sourced by it (uses its engine, image,
# network, helpers and temporary folder): the image run the way
# docker/kserve/serving-runtime.yaml runs it, then REST v2, /v1/classify and
# gRPC v2 calls against it, then SIGTERM.
#
# The container gets the manifest's own command, args and env (read with
# smoke_helpers.py, {{.Name}} = $kserve_name), the model mounted at /mnt/models
# (VIT_SMOKE_MODEL, else the repository's default model) and KServe's ports,
# 8080 (HTTP) and 9000 (gRPC); with the host network, free ports instead.

helpers="$repo/docker/kserve/smoke_helpers.py"
manifest="$repo/docker/kserve/serving-runtime.yaml"
kserve_name=vit-smoke
command -v curl >/dev/null || fail "KServe step: needs curl"
python3 -c 'import yaml' 2>/dev/null || fail "KServe step: needs python3 with yaml (python3-yaml)"

runtime=$(python3 "$helpers" runtime "$manifest" "$kserve_name") || fail "cannot read $manifest"
kcmd=()
kenv=()
section=
while IFS= read -r line; do
  case "$line" in
    cmd | env) section=$line ;;
    *) if [ "$section" = cmd ]; then kcmd+=("$line"); else kenv+=(-e "$line"); fi ;;
  esac
done <<<"$runtime"
[ ${#kcmd[@]} -ge 1 ] || fail "no command in $manifest"

kmodel=${VIT_SMOKE_MODEL:-$repo/models/vit-fashion-mnist}
kargs=(run -d --name "$kname" --cap-drop=ALL --security-opt=no-new-privileges
  -v "$(cd "$kmodel" && pwd):/mnt/models:ro" "${kenv[@]}" -e VIT_THREADS=2 -e VIT_SHUTDOWN_DELAY_MS=200)
if [ "$network" = host ]; then
  free_ports khttp kgrpc kmetrics
  kargs+=(--network=host -e VIT_HOST=127.0.0.1 -e "VIT_HTTP_PORT=$khttp" -e "VIT_PORT=$kgrpc"
    -e "VIT_METRICS_PORT=$kmetrics")
  khttp_inner=$khttp kgrpc_inner=$kgrpc
else
  free_ports khttp kgrpc
  kargs+=(-p "127.0.0.1:$khttp:8080" -p "127.0.0.1:$kgrpc:9000")
  khttp_inner=8080 kgrpc_inner=9000
fi
if [ "$host_client" = 0 ]; then kargs+=(-v "$tmp/images:/smoke-images:ro"); fi
kargs+=(--entrypoint "${kcmd[0]}" "$image" "${kcmd[@]:1}")
"$engine" "${kargs[@]}" >/dev/null
say "KServe mode: started $kname (${kcmd[*]}; HTTP 127.0.0.1:$khttp, gRPC $kgrpc)"

base="http://127.0.0.1:$khttp"
wait_ready "$kname" "KServe mode" curl -fsS "$base/v2/health/ready"
curl -fsS "$base/v2/health/live" >/dev/null || fail "GET /v2/health/live"
say "KServe mode: /v2/health/ready and /v2/health/live answer 200 after $ready_after s"

curl -fsS "$base/v2/models/$kserve_name" -o "$tmp/metadata.json" || fail "GET /v2/models/$kserve_name"
grep -q "\"name\": *\"$kserve_name\"" "$tmp/metadata.json" \
  || fail "the model is not named after the InferenceService: $(cat "$tmp/metadata.json")"
say "KServe mode: GET /v2/models/$kserve_name: $(head -c 300 "$tmp/metadata.json")"

# Binary tensor data extension: the image as raw BYTES, classification in JSON.
header_length=$(python3 "$helpers" binary-body "${images[0]}" 3 "$tmp/infer.bin")
curl -fsS "$base/v2/models/$kserve_name/infer" -H "Inference-Header-Content-Length: $header_length" \
  -H 'Content-Type: application/octet-stream' --data-binary "@$tmp/infer.bin" -o "$tmp/infer.json" \
  || fail "POST /v2/models/$kserve_name/infer (binary)"
checked=$(python3 "$helpers" check-infer "$tmp/infer.json" probabilities 3) \
  || fail "infer answer: $(head -c 400 "$tmp/infer.json")"
say "KServe mode: infer (binary image): $checked"

# JSON tensors: pixel_values of the shape the metadata declares.
python3 "$helpers" pixel-body "$tmp/metadata.json" "$tmp/pixels.json"
curl -fsS "$base/v2/models/$kserve_name/infer" -H 'Content-Type: application/json' \
  --data-binary "@$tmp/pixels.json" -o "$tmp/pixels-answer.json" \
  || fail "POST /v2/models/$kserve_name/infer (JSON pixel_values)"
checked=$(python3 "$helpers" check-infer "$tmp/pixels-answer.json" logits -1) \
  || fail "JSON infer answer: $(head -c 400 "$tmp/pixels-answer.json")"
say "KServe mode: infer (JSON pixel_values): $checked"

# The plain endpoint for people.
classify=$(curl -fsS --data-binary "@${images[0]}" "$base/v1/classify?top_k=3") || fail "POST /v1/classify"
grep -q '"predictions"' <<<"$classify" || fail "/v1/classify: $classify"
say "KServe mode: /v1/classify: $(head -c 300 <<<"$classify")"

# gRPC v2 (and REST v2 again) with vit-client.
kclient_images=("${client_images[@]:0:1}")
out=$(client_at "$kname" "127.0.0.1:$kgrpc" "127.0.0.1:$kgrpc_inner" --protocol oip-grpc \
  classify --top-k 3 "${kclient_images[@]}") || fail "vit-client --protocol oip-grpc classify: $out"
grep -q 'p=' <<<"$out" || fail "no predictions over gRPC v2: $out"
echo "$out"
out=$(client_at "$kname" "127.0.0.1:$kgrpc" "127.0.0.1:$kgrpc_inner" --protocol oip-grpc \
  --model "$kserve_name" health) || fail "vit-client --protocol oip-grpc health: $out"
say "KServe mode: gRPC v2 health: $out"
out=$(client_at "$kname" "127.0.0.1:$khttp" "127.0.0.1:$khttp_inner" --protocol oip-http \
  classify --top-k 3 "${kclient_images[@]}") || fail "vit-client --protocol oip-http classify: $out"
grep -q 'p=' <<<"$out" || fail "no predictions over REST v2: $out"
say "KServe mode: vit-client oip-grpc and oip-http classify"

# `exec` in the runtime's command: vit-server is PID 1 and drains on SIGTERM.
"$engine" kill --signal TERM "$kname" >/dev/null
code=$(timeout 120 "$engine" wait "$kname" | tail -n 1) || fail "KServe mode: no exit within 120 s of SIGTERM"
[ "$code" = 0 ] || fail "KServe mode: exit code $code after SIGTERM (want 0)"
# The whole log first: with pipefail, grep -q's early exit can fail `logs` (SIGPIPE).
klog=$("$engine" logs "$kname" 2>&1 || true)
grep -q 'drained in' <<<"$klog" || fail "KServe mode: no 'drained in' line in the log"
say "KServe mode: SIGTERM drained, exit 0"
