// What ort_timer.mjs, ort_load_timer.mjs and ort_run.mjs share, so that all of them run the same
// session: their arguments (ORT_PACKAGE_DIR MODEL.onnx INPUT.npy... [--threads T] [--spin 0|1]),
// the session options, and the inputs, .npy files fed to the model's inputs in the model's order.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

import { readNpy } from './npy.mjs';

export function parseTimerArgs(extraOptions = {}) {
  const { positionals: [ortDir, model, ...inputs], values } = parseArgs({
    allowPositionals: true,
    options: {
      threads: { type: 'string', default: '1' },
      spin: { type: 'string', default: '1' },  // '0': idle pool threads sleep, like OMP_WAIT_POLICY=PASSIVE
      ...extraOptions,
    },
  });
  return { ortDir, model, inputs, values };
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

export function readInputs(inputs) {
  return inputs.map(readNpy);
}

export function feedsFor(ort, session, tensors) {
  if (tensors.length !== session.inputNames.length) {
    throw new Error(`the model has ${session.inputNames.length} inputs, ${tensors.length} .npy files given`);
  }
  return Object.fromEntries(session.inputNames.map(
    (name, i) => [name, new ort.Tensor(tensors[i].type, tensors[i].data, tensors[i].shape)]));
}
