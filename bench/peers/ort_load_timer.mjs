// ONNX Runtime's counterpart of zenith-load-timer for bench/peers/load_time: in a fresh process,
// the session creation and the first run, with ort_timer.mjs's session. Prints
// {"create_ms": ..., "first_run_ms": ..., "main_to_first_ms": ...}; process start to first
// inference is measured by the driver, from outside.
// Usage: node ort_load_timer.mjs ORT_PACKAGE_DIR MODEL.onnx INPUT.npy... [--threads T] [--spin 0|1]
import { createSession, feedsFor, loadOrt, parseTimerArgs, readInputs } from './ort_common.mjs';

// Like zenith-load-timer's clock at the top of main(): node's own startup is not in it.
const mainStart = process.hrtime.bigint();
const { ortDir, model, inputs, values } = parseTimerArgs();
// Loading the native addon is part of what a fresh process pays, so it falls in main_to_first_ms.
const ort = loadOrt(ortDir);
const tensors = readInputs(inputs);

const ms = (from, to) => Number(to - from) / 1e6;
const start = process.hrtime.bigint();
const session = await createSession(ort, model, values);
const created = process.hrtime.bigint();
await session.run(feedsFor(ort, session, tensors));
const first = process.hrtime.bigint();

console.log(JSON.stringify({
  create_ms: ms(start, created),
  first_run_ms: ms(created, first),
  main_to_first_ms: ms(mainStart, first),
}));
