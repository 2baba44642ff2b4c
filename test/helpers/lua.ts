/**
 * Runs an Argo CD health check (a Lua script) on an object with a real Lua 5.1 interpreter
 * (Debian's lua5.1, installed by .ci/run), as Argo CD's gopher-lua (Lua 5.1) runs it: `obj` is
 * a global holding the resource as a table, and the script's chunk returns {status, message}.
 * The script runs with what Argo CD gives a health script by default (the base, table and a
 * safe os library; no string, io, math or debug library, and no string methods), so a script
 * that works here does not call what Argo CD leaves out.
 */
import { spawnSync } from 'node:child_process';
import { requireProgram } from './tools.js';

/** A value a Lua table literal can hold; null and undefined object fields are left out (nil). */
export type LuaValue = string | number | boolean | null | undefined | LuaValue[] | { [key: string]: LuaValue };

/** The statuses Argo CD accepts from a health script. */
export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;

/** What a health script returned. */
export interface HealthResult {
  status: string;
  /** Undefined when the script set none. */
  message?: string;
}

/**
 * A Lua string literal of `s`: its UTF-8 bytes, each one that is not printable ASCII, or is a
 * quote or a backslash, as a decimal escape (`\ddd`), so no content (quotes, backslashes,
 * newlines, NULs, `]]`) can end the literal or change its meaning.
 */
export function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const safe = byte >= 0x20 && byte <= 0x7e && byte !== 0x22 && byte !== 0x5c;
    out += safe ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** A Lua literal of `v`: a table for an object or an array (1-based, as Argo CD decodes JSON arrays). */
export function luaLiteral(v: LuaValue, path = 'obj'): string {
  if (typeof v === 'string') return luaString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${path}: ${v} has no Lua literal`);
    return String(v);
  }
  if (Array.isArray(v)) {
    return `{${v
      .map((item, i) => {
        if (item === null || item === undefined) throw new Error(`${path}[${i}]: a nil array element would end the Lua sequence`);
        return luaLiteral(item, `${path}[${i}]`);
      })
      .join(', ')}}`;
  }
  if (v !== null && typeof v === 'object') {
    const fields = Object.entries(v)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([key, value]) => `[${luaString(key)}] = ${luaLiteral(value, `${path}.${key}`)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`${path}: ${String(v)} has no Lua literal`);
}

/**
 * The Lua program that runs `script` on `obj`: `obj = <table>`, the script wrapped in a function
 * (its chunk's `return` becomes the function's), run in Argo CD's default environment; it prints
 * `HEALTH <status bytes> <message bytes, -1 for none>`, a newline, then the status and the
 * message, so any message (newlines included) reads back exactly.
 */
export function healthProgram(script: string, obj: LuaValue): string {
  return [`obj = ${luaLiteral(obj)}`, 'local __check = function()', script, 'end', HARNESS].join('\n');
}

const HARNESS = `
local write, stderr, exit = io.write, io.stderr, os.exit
local env = {}
for _, name in ipairs({ "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print",
    "rawequal", "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack",
    "xpcall", "_VERSION" }) do
  env[name] = _G[name]
end
-- Argo CD's print goes to its log; here to stderr, so stdout carries only the result.
env.print = function(...)
  local n = select("#", ...)
  for i = 1, n do stderr:write(tostring((select(i, ...))), i < n and "\\t" or "") end
  stderr:write("\\n")
end
env.table = table
env.os = { time = os.time, date = os.date, clock = os.clock, difftime = os.difftime }
env._G = env
env.obj = obj
setfenv(__check, env)
local strings = getmetatable("")
local stringIndex = strings.__index
strings.__index = nil
local ok, hs = pcall(__check)
strings.__index = stringIndex
if not ok then
  stderr:write("the health script failed: ", tostring(hs), "\\n")
  exit(3)
end
if type(hs) ~= "table" then
  stderr:write("the health script returned ", type(hs), ", not a table\\n")
  exit(4)
end
if type(hs.status) ~= "string" then
  stderr:write("the health script's status is ", type(hs.status), ", not a string\\n")
  exit(4)
end
if hs.message ~= nil and type(hs.message) ~= "string" then
  stderr:write("the health script's message is ", type(hs.message), ", not a string\\n")
  exit(4)
end
local message = hs.message or ""
local length = -1
if hs.message ~= nil then length = #message end
write("HEALTH ", #hs.status, " ", length, "\\n", hs.status, message)
`;

/** Runs `script` on `obj` with lua5.1 and returns what it returned; throws with Lua's words when it fails or returns something Argo CD refuses. */
export function runHealthCheck(script: string, obj: LuaValue): HealthResult {
  const lua = requireProgram('lua5.1', 'lua5.1');
  const r = spawnSync(lua, ['-'], { input: healthProgram(script, obj), timeout: 10_000 });
  if (r.error) throw r.error;
  const stderr = r.stderr.toString('utf8').trim();
  if (r.status !== 0) throw new Error(`lua5.1 exited with ${r.status ?? r.signal}: ${stderr}`);
  const out = r.stdout;
  const newline = out.indexOf(0x0a);
  const header = /^HEALTH (\d+) (-1|\d+)$/.exec(out.subarray(0, Math.max(newline, 0)).toString('utf8'));
  if (newline < 0 || !header) throw new Error(`unexpected lua5.1 output: ${JSON.stringify(out.toString('utf8'))} ${stderr}`);
  const statusBytes = Number(header[1]);
  const messageBytes = Number(header[2]);
  const body = out.subarray(newline + 1);
  if (body.length !== statusBytes + Math.max(messageBytes, 0))
    throw new Error(`lua5.1 printed ${body.length} bytes after the header, expected ${statusBytes + Math.max(messageBytes, 0)}`);
  const status = body.subarray(0, statusBytes).toString('utf8');
  if (!(HEALTH_STATUSES as readonly string[]).includes(status))
    throw new Error(`the health script returned the status ${JSON.stringify(status)}, which Argo CD does not accept`);
  return messageBytes < 0 ? { status } : { status, message: body.subarray(statusBytes).toString('utf8') };
}
