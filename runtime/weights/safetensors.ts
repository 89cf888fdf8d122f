/**
 * Reader for the safetensors checkpoint format (what Hugging Face publishes as model.safetensors).
 *
 * Opening reads and validates only the header; each tensor is read when asked for, so loading a 440 MB BERT checkpoint
 * holds each tensor once (as the converted array) instead of the whole file plus the arrays. The format itself (header,
 * decoding, in-memory files) is in safetensors-bytes.ts, which has no Node dependency; this file adds the disk.
 */
import fs from 'node:fs';
import { UserError } from '../../dsl/errors.ts';
import { makeFile, type SafetensorsFile } from './safetensors-bytes.ts';
import { parseHeader, readHeaderLength } from './safetensors-header.ts';

export { parseSafetensors, type Dtype, type SafetensorsFile, type TensorInfo } from './safetensors-bytes.ts';

/**
 * Opens a safetensors file on disk: reads and validates the header now, tensor data later, per tensor, at its offset.
 * The file stays open until `close()`.
 */
export function openSafetensors(path: string): SafetensorsFile {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    throw new UserError(`cannot open safetensors file ${path}: ${fsReason(e)}`);
  }
  // Checked before opening because opening a FIFO blocks until a writer appears, and a device could stream forever.
  if (stat.isDirectory()) throw new UserError(`${path} is a directory, not a safetensors file (use openCheckpoint for a model directory)`);
  if (!stat.isFile()) throw new UserError(`${path} is not a regular file, so it cannot be a safetensors file`);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new UserError(`cannot open safetensors file ${path}: ${fsReason(e)}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = new Uint8Array(Math.min(8, size));
    readFully(fd, prefix, 0, path);
    const headerLength = readHeaderLength(prefix, size, path);
    const headerBytes = new Uint8Array(headerLength);
    readFully(fd, headerBytes, 8, path);
    const header = parseHeader(headerBytes, size, path);
    let open = true;
    return makeFile(path, header, (info) => {
      if (!open) throw new UserError(`${path}: cannot read tensor "${info.name}": the file was closed`);
      const bytes = new Uint8Array(info.byteLength);
      readFully(fd, bytes, info.byteOffset, path);
      return bytes;
    }, () => {
      if (open) fs.closeSync(fd);
      open = false;
    });
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}
/** Fills `buf` from `fd` at `position`; readSync may return short counts, and 0 means the file ended early. */
function readFully(fd: number, buf: Uint8Array, position: number, label: string): void {
  let done = 0;
  while (done < buf.byteLength) {
    let n: number;
    try {
      // Chunked because a single read is limited to 2 GiB.
      n = fs.readSync(fd, buf, done, Math.min(buf.byteLength - done, 1 << 30), position + done);
    } catch (e) {
      throw new UserError(`${label}: cannot read at byte offset ${position + done}: ${fsReason(e)}`);
    }
    if (n === 0) {
      throw new UserError(
        `${label}: unexpected end of file at byte offset ${position + done} (expected ${buf.byteLength - done} more bytes; did the file change while open?)`,
      );
    }
    done += n;
  }
}

/** The short reason from a Node fs error ("no such file or directory"), without its stack. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const codes: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent path is not a directory',
  };
  return (err.code !== undefined ? codes[err.code] : undefined) ?? err.message ?? String(e);
}
