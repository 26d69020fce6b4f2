// Times ONNX Runtime (npm onnxruntime-node) for bench/peers/compare and broad, with zenith-timer's
// protocol: it loads the model, warms up and prints {"warmup_ms": [...]}; then each line "N" on
// stdin times N runs and prints {"ms": [...]}.
// Usage: node ort_timer.mjs ORT_PACKAGE_DIR MODEL.onnx INPUT.npy... [--threads T] [--warmup W] [--spin 0|1]
import { createInterface } from 'node:readline';

import { createSession, feedsFor, loadOrt, parseTimerArgs, readInputs } from './ort_common.mjs';

const { ortDir, model, inputs, values } = parseTimerArgs({ warmup: { type: 'string', default: '1' } });
const ort = loadOrt(ortDir);
const session = await createSession(ort, model, values);
const feeds = feedsFor(ort, session, readInputs(inputs));

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
