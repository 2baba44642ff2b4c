import { describe, expect, it } from 'vitest';
import { s3ObjectKey } from '../../../../emulator/core/s3-url.js';

describe('which S3 object a URL names', () => {
  it.each([
    ['https://s3.us-east-1.amazonaws.com/fw/jobs/job.json', 'fw/jobs/job.json'],
    ['https://s3.amazonaws.com/fw/jobs/job.json', 'fw/jobs/job.json'],
    ['https://fw.s3.us-east-1.amazonaws.com/jobs/job.json', 'fw/jobs/job.json'],
    ['https://fw.s3.amazonaws.com/jobs/job.json', 'fw/jobs/job.json'],
    ['https://fw.s3-eu-west-1.amazonaws.com/jobs/job.json', 'fw/jobs/job.json'],
    ['https://my.dotted.bucket.s3.eu-west-1.amazonaws.com/a%20b.json', 'my.dotted.bucket/a b.json'],
    ['https://s3.cn-north-1.amazonaws.com.cn/fw/job.json', 'fw/job.json'],
  ])('%s is %s, whatever the style', (url, key) => {
    expect(s3ObjectKey(url)).toBe(key);
  });

  it.each([['https://example.com/fw/job.json'], ['https://s3.amazonaws.com/fw'], ['https://s3.amazonaws.com/'], ['not a url']])(
    '%s names no S3 object',
    (url) => {
      expect(s3ObjectKey(url)).toBeUndefined();
    },
  );
});
