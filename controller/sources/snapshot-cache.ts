/**
 * Caches that keep a rescan of a large tree cheap: file texts by stat identity, and parse results
 * by file content. Neither changes what a snapshot contains; each only avoids repeating work.
 */
import type { BigIntStats } from 'node:fs';
import { parseFile, type ManifestFile, type ParseContext, type ParsedFile } from './manifests.js';
import type { FileText } from './utf8.js';

/**
 * Parse results by file path and content, so a rescan re-parses only the files that changed. Every
 * file is still read for each snapshot; results that depend on another file (documentFile) are not kept.
 */
export class ParseCache {
  private entries = new Map<string, { text: string; result: ParsedFile }>();
  private used = new Set<string>();

  parse(f: ManifestFile, ctx: ParseContext): ParsedFile {
    this.used.add(f.path);
    const hit = this.entries.get(f.path);
    if (hit && hit.text === f.text) return hit.result;
    const result = parseFile(f, ctx);
    if (result.readsOtherFiles) this.entries.delete(f.path);
    else this.entries.set(f.path, { text: f.text, result });
    return result;
  }

  /** Drops the entries of files the last snapshot did not have. */
  sweep(): void {
    for (const k of this.entries.keys()) if (!this.used.has(k)) this.entries.delete(k);
    this.used.clear();
  }
}

/**
 * Decoded file texts by path, reused while the file's inode, size, mtime and ctime (nanoseconds)
 * are unchanged, so a rescan of ten thousand files reads only the ones that changed. Any write, or
 * a rename over the file, changes one of them. A file that could not be decoded keeps its problem
 * (a bad file stays bad until it changes); a load that throws (the file vanished) keeps nothing.
 */
export class TextCache {
  private entries = new Map<string, { id: string; text: FileText }>();
  private used = new Set<string>();

  /** The decoded text of `abs`, whose stat is `st`: cached, or from `load` (read and strictly decode it). */
  read(abs: string, st: BigIntStats, load: () => FileText): FileText {
    this.used.add(abs);
    const id = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const hit = this.entries.get(abs);
    if (hit && hit.id === id) return hit.text;
    const text = load();
    this.entries.set(abs, { id, text });
    return text;
  }

  sweep(): void {
    for (const k of this.entries.keys()) if (!this.used.has(k)) this.entries.delete(k);
    this.used.clear();
  }
}
