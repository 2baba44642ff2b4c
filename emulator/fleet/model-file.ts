/**
 * Reads a fleet model from a file: JSON when the name ends in `.json`, YAML otherwise (JSON is
 * YAML too). A file that cannot be read or parsed, or a model that does not hold, is an Error
 * whose message starts with the file's path and names the field.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { validateFleetModel, type FleetModel } from './model.js';

/** The model in `path`, validated. */
export function readFleetModel(path: string): FleetModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return validateFleetModel(parseFleetModel(text, path), path);
}

/** The value a model file's text holds (not yet validated); an Error naming `path` when it does not parse. */
export function parseFleetModel(text: string, path: string): unknown {
  if (path.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new Error(`${path}: not JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new Error(`${path}: not YAML: ${problem.message.split('\n')[0]}`);
  return doc.toJS() as unknown;
}
