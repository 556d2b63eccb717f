import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

/** How much of the start of a file identifies it when its first line is long or unfinished. */
export const IDENTITY_SPAN = 4096;

/** The hash that tells one file from another that reused its inode or replaced it in place. */
export interface FirstLine {
  /** sha256 (hex) of the bytes before the first `\n`, or of the first IDENTITY_SPAN bytes. */
  hash: string;
  /** False while the file is shorter than IDENTITY_SPAN and has no `\n`: the hash can still change. */
  stable: boolean;
}

export async function readFirstLine(fd: FileHandle): Promise<FirstLine> {
  const buffer = Buffer.alloc(IDENTITY_SPAN);
  const { bytesRead } = await fd.read(buffer, 0, IDENTITY_SPAN, 0);
  const start = buffer.subarray(0, bytesRead);
  const nl = start.indexOf(0x0a);
  const line = nl === -1 ? start : start.subarray(0, Math.min(nl, IDENTITY_SPAN));
  return {
    hash: createHash('sha256').update(line).digest('hex'),
    stable: nl !== -1 || bytesRead === IDENTITY_SPAN,
  };
}

/** The first-line hash of the file at `path`, or null when it cannot be opened. */
export async function firstLineOf(path: string): Promise<FirstLine | null> {
  let fd: FileHandle;
  try {
    fd = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    return await readFirstLine(fd);
  } finally {
    await fd.close();
  }
}

/** The errno code of a Node error, if it has one. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
