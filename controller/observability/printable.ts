/**
 * Pure: text from users, manifests or AWS made safe for a terminal. Control characters (C0, DEL
 * and C1, which include ESC and the CSI that start ANSI escape sequences) are shown as \u escapes,
 * so a manifest cannot move the cursor, recolour or clear the operator's screen.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with every control character replaced by its visible \uXXXX escape. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
