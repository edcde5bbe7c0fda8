#!/usr/bin/env node
// ONNX Runtime baseline for vit-bench (onnxruntime-node, CPU execution
// provider): runs a model written by onnx_export.py on random pixels with
// the same threads, warm-up and timing rule as vit-bench and prints one JSON
// object per batch size with vit-bench's keys.
//
//   node ort_baseline.js --onnx FILE --model NAME --dtype fp32|int8 --batch 1,8 \
//        --threads 2 [--warmup 2] [--runs 5] [--min-time 2]
// NODE_PATH must name the node_modules folder that holds onnxruntime-node.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const a = {warmup: 2, runs: 5, 'min-time': 2, threads: 2, batch: '8'};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    a[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['onnx', 'model', 'dtype']) if (!a[k]) throw new Error(`--${k} is required`);
  return a;
}

function peakRssMiB() {
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/);
  return m ? Number(m[1]) / 1024 : 0;
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const threads = Number(a.threads);
  const session = await ort.InferenceSession.create(a.onnx, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all'});
  const input = session.inputNames[0];
  for (const batch of a.batch.split(',').map(Number)) {
    const data = new Float32Array(batch * 3 * 224 * 224);
    let seed = batch;  // a small LCG: reproducible, roughly uniform [-1, 1)
    for (let i = 0; i < data.length; ++i) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      data[i] = seed / 1073741824 - 1;
    }
    const feeds = {[input]: new ort.Tensor('float32', data, [batch, 3, 224, 224])};
    for (let i = 0; i < Number(a.warmup); ++i) await session.run(feeds);
    const times = [];
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    while (times.length < Number(a.runs) ||
           (elapsed() < Number(a['min-time']) && times.length < 10 * Number(a.runs))) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const med = median(times);
    console.log(JSON.stringify({
      impl: 'onnxruntime', model: a.model, dtype: a.dtype, backend: 'cpu', batch, threads,
      runs: times.length, median_ms: med, min_ms: Math.min(...times), max_ms: Math.max(...times),
      images_per_s: batch / (med / 1e3), peak_rss_mib: peakRssMiB()}));
  }
}

main().catch((e) => { console.error(`ort_baseline.js: ${e.message || e}`); process.exit(2); });
