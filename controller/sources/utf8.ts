/**
 * Strict UTF-8: a manifest's bytes become its text only when every byte is valid UTF-8. Node's
 * 'utf8' decoding would put U+FFFD in place of a bad byte and the changed text would reach AWS.
 */

/** A file's text, or why it cannot be used and on which line (undefined: the file as a whole). */
export type FileText = { text: string } | { message: string; line?: number };

const strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes `bytes` as UTF-8 (a leading BOM dropped); invalid bytes give their offset and line instead. */
export function decodeUtf8(bytes: Uint8Array): FileText {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    const at = firstInvalidByte(bytes);
    if (at === undefined) return { message: 'the file is not UTF-8' };
    return { message: `the file is not UTF-8: invalid byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at offset ${at}`, line: lineAt(bytes, at) };
  }
}

/** The offset of the first byte that is not valid UTF-8: the first U+FFFD of a lossy decoding that the file did not spell itself. */
function firstInvalidByte(bytes: Uint8Array): number | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lossy = buf.toString('utf8');
  for (let i = lossy.indexOf('\uFFFD'); i !== -1; i = lossy.indexOf('\uFFFD', i + 1)) {
    // Every U+FFFD before this one was spelt in the file (EF BF BD), so the prefix's length in bytes is the offset.
    const offset = Buffer.byteLength(lossy.slice(0, i));
    if (buf[offset] !== 0xef || buf[offset + 1] !== 0xbf || buf[offset + 2] !== 0xbd) return offset;
  }
  return undefined;
}

/** The 1-based line that holds byte `offset`. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
