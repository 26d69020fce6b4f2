// Times ONNX Runtime (npm onnxruntime-node) for bench/peers/compare, with zenith-timer's protocol:
// it loads the model, warms up and prints {"warmup_ms": [...]}; then each line "N" on stdin times
// N runs and prints {"ms": [...]}.
// Usage: node ort_timer.mjs ORT_PACKAGE_DIR MODEL.onnx INPUT.bin --shape 1,3,224,224
//        [--threads T] [--warmup W] [--spin 0|1]
import { createInterface } from 'node:readline';

import { createSession, feedsFor, loadOrt, parseTimerArgs, readInput } from './ort_common.mjs';

const { ortDir, model, input, values } = parseTimerArgs({ warmup: { type: 'string', default: '1' } });
const ort = loadOrt(ortDir);
const session = await createSession(ort, model, values);
const feeds = feedsFor(ort, session, readInput(input), values);

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
