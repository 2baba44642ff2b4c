/**
 * Which S3 object a URL names, so that a documentSource, the admin seeding endpoint and the S3
 * wire (PutObject from `aws s3 cp`) agree on one object whatever the URL's style: path-style
 * (`https://s3.REGION.amazonaws.com/BUCKET/KEY`, `https://s3.amazonaws.com/BUCKET/KEY`) and
 * virtual-hosted (`https://BUCKET.s3.REGION.amazonaws.com/KEY`, `https://BUCKET.s3.amazonaws.com/KEY`),
 * the legacy `s3-REGION` host form included [S3 UG: methods for accessing a bucket].
 */

/** An S3 host, and the bucket when it is virtual-hosted: `s3[.-]region.amazonaws.com[.cn]`, optionally after `bucket.`. */
const S3_HOST = /^(?:(.+)\.)?s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/;

/** `bucket/key` of an S3 URL; undefined when the URL names no S3 object. */
export function s3ObjectKey(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const m = S3_HOST.exec(u.hostname);
  if (!m) return undefined;
  const path = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return objectKey(m[1], path);
}

/** `bucket/key` from a virtual-hosted bucket (undefined: path-style) and the request path (without its leading slash). */
export function objectKey(hostBucket: string | undefined, path: string): string | undefined {
  const full = hostBucket ? `${hostBucket}/${path}` : path;
  const slash = full.indexOf('/');
  return slash > 0 && slash < full.length - 1 ? full : undefined;
}
