// What ort_timer.mjs and ort_load_timer.mjs share, so that both time the same session: their
// arguments (ORT_PACKAGE_DIR MODEL.onnx INPUT.bin --shape 1,3,224,224 [--threads T] [--spin 0|1]),
// the session options, and the input, whose file holds the raw little-endian float32 data of the
// driver's .npy input.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

export function parseTimerArgs(extraOptions = {}) {
  const { positionals: [ortDir, model, input], values } = parseArgs({
    allowPositionals: true,
    options: {
      shape: { type: 'string' },
      threads: { type: 'string', default: '1' },
      spin: { type: 'string', default: '1' },  // '0': idle pool threads sleep, like OMP_WAIT_POLICY=PASSIVE
      ...extraOptions,
    },
  });
  return { ortDir, model, input, values };
}

// The package lives under the build folder, outside this file's module resolution path.
export function loadOrt(ortDir) {
  return createRequire(import.meta.url)(ortDir);
}

export function createSession(ort, model, values) {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(values.threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: values.spin } } },
  });
}

export function readInput(input) {
  const bytes = readFileSync(input);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

export function feedsFor(ort, session, data, values) {
  return { [session.inputNames[0]]: new ort.Tensor('float32', data, values.shape.split(',').map(Number)) };
}
