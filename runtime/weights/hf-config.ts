/**
 * Reading Hugging Face `config.json` files into a model's typed config.
 *
 * HF configs carry many keys a model does not use (architectures, model_type, torch_dtype, id2label, ...); those are
 * ignored, as transformers itself stores but never checks them. Only the fields the model declares are type-checked.
 */
import fs from 'node:fs';
import { UserError } from '../../dsl/errors.ts';
import { jsonErrorIndex, lineCol } from './json-error.ts';
import { showValue } from './names.ts';
import { fsReason } from './safetensors.ts';

/** One config field a model declares. */
export interface ConfigFieldSchema {
  readonly name: string;
  readonly type: 'int' | 'float' | 'bool' | 'str';
  /** Whether `null` is an allowed value (and the value when absent with no default). */
  readonly optional: boolean;
  /** For `str` fields: the only accepted values. */
  readonly choices?: readonly string[];
  readonly default?: number | string | boolean | null;
}

/** A config value after `applyConfig`. */
export type ConfigValue = number | string | boolean | null;

/** Reads a JSON file that must hold an object; syntax errors name the file and line:col. */
export function readJsonConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${fsReason(e)}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const index = jsonErrorIndex(text);
    throw new UserError(`${path}${index < 0 ? '' : `:${lineCol(text, index)}`}: invalid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`${path}: a config file must hold a JSON object, got ${showValue(json)}`);
  }
  return withNumLabels(json as Record<string, unknown>);
}

/**
 * HF's PretrainedConfig derives `num_labels` from `id2label` (saved configs usually carry only the latter), so a
 * 9-label NER checkpoint compiles a 9-way head without being told.
 */
export function withNumLabels(json: Record<string, unknown>): Record<string, unknown> {
  const labels = json['id2label'];
  if (json['num_labels'] !== undefined || typeof labels !== 'object' || labels === null || Array.isArray(labels)) return json;
  return { ...json, num_labels: Object.keys(labels).length };
}

/**
 * The model's config from a parsed `config.json`: each declared field takes the json value if present, else its
 * default, else null when optional; anything else is a UserError naming `label`, the field and what was expected.
 */
export function applyConfig(
  schema: readonly ConfigFieldSchema[],
  json: Record<string, unknown>,
  label: string,
): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const field of schema) {
    if (Object.hasOwn(json, field.name)) out[field.name] = checkValue(field, json[field.name], label);
    else if (field.default !== undefined) out[field.name] = field.default;
    else if (field.optional) out[field.name] = null;
    else throw new UserError(`${label}: required field "${field.name}" (${article(field.type)}) is missing`);
  }
  return out;
}

function checkValue(field: ConfigFieldSchema, v: unknown, label: string): ConfigValue {
  const at = `${label}: field "${field.name}"`;
  if (v === null) {
    if (field.optional) return null;
    throw new UserError(`${at} must be ${article(field.type)}, got null (the field is not optional)`);
  }
  // JSON has no infinities: JSON.parse returns one only for a literal beyond a double's range (1e400)
  if (typeof v === 'number' && !Number.isFinite(v)) throw new UserError(`${at} holds a number that overflows a double (beyond ±1.8e308)`);
  const fail = (): never => {
    throw new UserError(`${at} must be ${article(field.type)}, got ${showValue(v)}`);
  };
  switch (field.type) {
    case 'int':
      // JSON has one number type, so 12.0 arrives as 12 and is accepted; 12.5 is not.
      return typeof v === 'number' && Number.isSafeInteger(v) ? v : fail();
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) ? v : fail();
    case 'bool':
      return typeof v === 'boolean' ? v : fail();
    case 'str':
      if (typeof v !== 'string') return fail();
      if (field.choices !== undefined && !field.choices.includes(v)) {
        throw new UserError(`${at} must be one of ${field.choices.map((c) => JSON.stringify(c)).join(', ')}, got ${showValue(v)}`);
      }
      return v;
  }
}

function article(type: ConfigFieldSchema['type']): string {
  return { int: 'an int', float: 'a float', bool: 'a bool', str: 'a string' }[type];
}
