/**
 * A minimal S3 on the emulator's port, for the job documents a documentSource names: PutObject,
 * GetObject and HeadObject, on path-style (`/BUCKET/KEY`) and virtual-hosted (`Host:
 * BUCKET.s3.…`) requests signed for service `s3`, so `aws s3 cp --endpoint-url` seeds an object
 * and a documentSource URL of either style reads it (core/s3-url.ts names both one object). Any
 * other S3 request is answered 501 NotImplemented. Credentials are not checked, as elsewhere.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { objectKey } from '../core/s3-url.js';
import type { IotJobsService } from '../core/service.js';

/** The largest object the emulator's S3 keeps (job documents are at most 32 KB). */
const MAX_OBJECT_BYTES = 1024 * 1024;

/** What one S3 request was, for the call log: the operation and the status answered. */
export interface S3Answer {
  operation: string;
  status: number;
}

/** The operation of a request's method on an object. */
const OPERATIONS: Record<string, string> = { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject' };

/** Answers one request signed for S3. */
export async function handleS3(req: IncomingMessage, res: ServerResponse, url: URL, service: IotJobsService): Promise<S3Answer> {
  const hostBucket = /^(.+?)\.s3[.-]/.exec((req.headers.host ?? '').replace(/:\d+$/, ''))?.[1];
  const key = objectKey(hostBucket, decodeURIComponent(url.pathname.replace(/^\//, '')));
  const operation = OPERATIONS[req.method ?? 'GET'];
  if (!key || url.search !== '' || !operation) {
    await drain(req);
    const what = `${req.method} ${url.pathname}${url.search}`;
    return xmlError(
      res,
      { operation: 'S3Unsupported', status: 501 },
      'NotImplemented',
      `the emulator's S3 serves PutObject, GetObject and HeadObject only, not ${what}`,
    );
  }
  if (operation === 'PutObject') return putObject(req, res, key, service);
  await drain(req);
  const body = service.getS3Object(key);
  if (body === undefined) return xmlError(res, { operation, status: 404 }, 'NoSuchKey', `The specified key does not exist: ${key}`);
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length, etag: etagOf(bytes) });
  res.end(operation === 'HeadObject' ? undefined : bytes);
  return { operation, status: 200 };
}

async function putObject(req: IncomingMessage, res: ServerResponse, key: string, service: IotJobsService): Promise<S3Answer> {
  const raw = await readAll(req);
  if (raw === undefined)
    return xmlError(res, { operation: 'PutObject', status: 400 }, 'EntityTooLarge', `the emulator's S3 keeps objects of at most ${MAX_OBJECT_BYTES} bytes`);
  const streaming = String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  const bytes = streaming ? unchunk(raw) : raw;
  service.putS3Object(key, bytes.toString('utf8'));
  res.writeHead(200, { etag: etagOf(bytes), 'content-length': 0 });
  res.end();
  return { operation: 'PutObject', status: 200 };
}

/** The payload of an `aws-chunked` body (SigV4 streaming): each `SIZE;chunk-signature=…\r\nDATA\r\n` chunk's data. */
function unchunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/** An S3 error in S3's XML shape (no body for HeadObject); returns the answer for the call log. */
function xmlError(res: ServerResponse, answer: S3Answer, code: string, message: string): S3Answer {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/[<&>]/g, '')}</Message></Error>`;
  res.writeHead(answer.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(answer.operation === 'HeadObject' ? undefined : xml);
  return answer;
}

/** The whole body; undefined when it is larger than MAX_OBJECT_BYTES. */
async function readAll(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_OBJECT_BYTES * 2) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req as AsyncIterable<Buffer>);
}
