// Runs a model once with ONNX Runtime, with the timers' session, and writes each output to
// OUTDIR/<index>.npy: bench/peers/broad checks Zenith's outputs against these before timing.
// Usage: node ort_run.mjs ORT_PACKAGE_DIR MODEL.onnx INPUT.npy... --outdir DIR [--threads T] [--spin 0|1]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { writeNpy } from './npy.mjs';
import { createSession, feedsFor, loadOrt, parseTimerArgs, readInputs } from './ort_common.mjs';

const { ortDir, model, inputs, values } = parseTimerArgs({ outdir: { type: 'string' } });
const ort = loadOrt(ortDir);
const session = await createSession(ort, model, values);
const results = await session.run(feedsFor(ort, session, readInputs(inputs)));
mkdirSync(values.outdir, { recursive: true });
// By index, not name: output names need not be valid file names.
session.outputNames.forEach((name, i) => {
  const { type, dims, data } = results[name];
  writeNpy(join(values.outdir, `${i}.npy`), type, dims, data);
});
