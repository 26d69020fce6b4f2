// Reads and writes NumPy .npy files in Node, so that the ONNX Runtime timers take the very files
// that Zenith's tools take (any input count and dtype) and ort_run.mjs can hand its outputs back.
import { readFileSync, writeFileSync } from 'node:fs';

// .npy dtype -> ONNX Runtime tensor type and the typed array that holds its data.
const TYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '<i4': ['int32', Int32Array],
  '<i8': ['int64', BigInt64Array],
  '|u1': ['uint8', Uint8Array],
  '|b1': ['bool', Uint8Array],
};

export function readNpy(path) {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  // Version 1 stores the header's length in 2 bytes, versions 2 and 3 in 4.
  const [lengthBytes, start] = bytes[6] === 1 ? [2, 10] : [4, 12];
  const headerLength = lengthBytes === 2 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (!(descr in TYPES) || /'fortran_order':\s*True/.test(header)) {
    throw new Error(`${path}: unsupported .npy (${header.trim()})`);
  }
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((d) => d.trim()).map(Number);
  const [type, ArrayType] = TYPES[descr];
  // Copied so that the data is aligned for its typed array whatever the header's length.
  const data = bytes.subarray(start + headerLength);
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
  return { type, shape, data: new ArrayType(buffer) };
}

export function writeNpy(path, type, shape, data) {
  const descr = Object.keys(TYPES).find((d) => TYPES[d][0] === type);
  if (!descr) throw new Error(`${path}: no .npy dtype for ONNX Runtime type ${type}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // The data starts at a multiple of 64 bytes, as NumPy writes it; the header ends with '\n'.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}
