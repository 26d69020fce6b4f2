// Times ONNX Runtime (npm onnxruntime-node) for bench/peers/compare, with zenith-timer's protocol:
// it loads the model, warms up and prints {"warmup_ms": [...]}; then each line "N" on stdin times
// N runs and prints {"ms": [...]}.
// Usage: node ort_timer.mjs ORT_PACKAGE_DIR MODEL.onnx INPUT.bin --shape 1,3,224,224
//        [--threads T] [--warmup W] [--spin 0|1]
// INPUT.bin holds the raw little-endian float32 data of the driver's .npy input.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { positionals: [ortDir, model, input], values } = parseArgs({
  allowPositionals: true,
  options: {
    shape: { type: 'string' },
    threads: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '1' },
    spin: { type: 'string', default: '1' },  // '0': idle pool threads sleep, like OMP_WAIT_POLICY=PASSIVE
  },
});
// The package lives under the build folder, outside this file's module resolution path.
const ort = createRequire(import.meta.url)(ortDir);

const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: Number(values.threads),
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  extra: { session: { intra_op: { allow_spinning: values.spin } } },
});
const bytes = readFileSync(input);
const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, values.shape.split(',').map(Number)) };

async function timeRuns(runs) {
  const ms = [];
  for (let i = 0; i < runs; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return ms;
}

console.log(JSON.stringify({ warmup_ms: await timeRuns(Number(values.warmup)) }));
for await (const line of createInterface({ input: process.stdin })) {
  console.log(JSON.stringify({ ms: await timeRuns(Number(line)) }));
}
