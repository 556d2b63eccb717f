import { readFile, stat } from 'node:fs/promises';
import type { DownloadFacts } from './check.js';

/** What the last good download said, sent back as a conditional request. */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type FetchResult =
  | { kind: 'not-modified' }
  | { kind: 'body'; facts: DownloadFacts; validators: Validators }
  | { kind: 'failed'; reason: string };

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Reads a list from a URL (conditional on ETag / Last-Modified, cut off after `timeoutMs` or when
 * `stop` aborts) or a file. Never throws: a failure is a reason.
 */
export async function fetchList(source: string, previous: Validators, timeoutMs: number, stop?: AbortSignal): Promise<FetchResult> {
  if (!isUrl(source)) return readListFile(source);
  const headers: Record<string, string> = { accept: 'text/plain' };
  if (previous.etag) headers['if-none-match'] = previous.etag;
  if (previous.lastModified) headers['if-modified-since'] = previous.lastModified;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  try {
    const response = await fetch(source, { headers, signal, redirect: 'follow' });
    if (response.status === 304) return { kind: 'not-modified' };
    if (!response.ok) {
      await response.body?.cancel();
      return { kind: 'failed', reason: `the server answered ${response.status} ${response.statusText}`.trim() };
    }
    const buffer = Buffer.from(await response.arrayBuffer());
    const length = response.headers.get('content-length');
    return {
      kind: 'body',
      facts: {
        text: buffer.toString('utf8'),
        bytes: buffer.length,
        contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : null,
        contentType: response.headers.get('content-type'),
      },
      validators: { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') },
    };
  } catch (error) {
    if (stop?.aborted) return { kind: 'failed', reason: 'the download was stopped' };
    if (timeout.aborted) return { kind: 'failed', reason: `no complete answer within ${timeoutMs / 1000} s` };
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { kind: 'failed', reason: `download failed: ${cause ?? (error as Error).message}` };
  }
}

async function readListFile(file: string): Promise<FetchResult> {
  try {
    const buffer = await readFile(file);
    const info = await stat(file);
    return {
      kind: 'body',
      facts: { text: buffer.toString('utf8'), bytes: buffer.length, contentLength: null, contentType: null },
      validators: { etag: null, lastModified: info.mtime.toUTCString() },
    };
  } catch (error) {
    return { kind: 'failed', reason: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}
