/**
 * Config values: a declaration's defaults, overridden by a checkpoint's config.json (or API/CLI values).
 *
 * Unknown keys are ignored, as HF does with the many bookkeeping keys of a config.json; known keys must have the
 * declared type, and the error names the key.
 */
import type { ConfigDecl, ScalarType } from '../../dsl/ast.ts';
import { DiagnosticError } from '../../dsl/diagnostics.ts';
import { UserError } from '../../dsl/errors.ts';
import type { Elaboration } from './context.ts';
import { checkScalar, constantExpr } from './modules.ts';
import { boolValue, floatValue, intValue, NONE, type Value } from './values.ts';

export type PlainConfig = Readonly<Record<string, unknown>>;

/** A JSON value for a message: short, and safe for values nested 100,000 deep. */
function shown(raw: unknown): string {
  if (Array.isArray(raw)) return 'an array';
  if (raw !== null && typeof raw === 'object') return 'an object';
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Converts a JSON value to a compile-time value of the declared type, or explains why it can't. */
function fromJson(t: ScalarType, key: string, raw: unknown, label: string): Value {
  const bad = (why: string): never => {
    throw new UserError(`${label}: field "${key}" ${why}, got ${shown(raw)}`);
  };
  if (raw === null) return t.optional ? NONE : bad('must not be null');
  // JSON has no infinities: JSON.parse returns one only for a literal beyond a double's range (1e400)
  if (typeof raw === 'number' && !Number.isFinite(raw)) {
    throw new UserError(`${label}: field "${key}" holds a number that overflows a double (beyond ±1.8e308)`);
  }
  switch (t.name) {
    case 'int':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? intValue(raw) : bad('must be an integer below 2^53');
    case 'float':
      return typeof raw === 'number' && Number.isFinite(raw) ? floatValue(raw) : bad('must be a number');
    case 'bool':
      return typeof raw === 'boolean' ? boolValue(raw) : bad('must be true or false');
    case 'str':
      if (typeof raw !== 'string') return bad('must be a string');
      if (t.choices && !t.choices.includes(raw)) return bad(`must be one of ${t.choices.map((c) => `"${c}"`).join(', ')}`);
      return { kind: 'str', value: raw };
  }
}

export function configValue(cx: Elaboration, decl: ConfigDecl, overrides: PlainConfig, label: string): Value {
  const fields = new Map<string, Value>();
  for (const f of decl.fields) {
    if (Object.hasOwn(overrides, f.name) && overrides[f.name] !== undefined) {
      fields.set(f.name, fromJson(f.type, f.name, overrides[f.name], label));
      continue;
    }
    if (!f.default) {
      if (f.type.optional) fields.set(f.name, NONE);
      else throw new UserError(`${label}: field "${f.name}" of ${decl.name} has no default and must be given`);
      continue;
    }
    try {
      fields.set(f.name, checkScalar(cx, f.type, constantExpr(cx, f.default), `default of '${f.name}'`, f.default.span));
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      cx.report(e.diagnostic);
      fields.set(f.name, { kind: 'poison' });
    }
  }
  return { kind: 'config', decl, fields };
}

/**
 * Configs that together take every branch a model source can take on its config: the defaults, each choice of
 * each string enum, and each bool flipped — one change at a time. Layer counts are capped to keep checking fast.
 */
export function configVariants(decl: ConfigDecl): PlainConfig[] {
  const base: Record<string, unknown> = {};
  for (const f of decl.fields) if (f.type.name === 'int' && /layers/.test(f.name)) base[f.name] = 2;
  const out: PlainConfig[] = [base];
  for (const f of decl.fields) {
    if (f.type.choices) for (const c of f.type.choices) out.push({ ...base, [f.name]: c });
    if (f.type.name === 'bool') {
      const d = f.default?.kind === 'Bool' ? f.default.value : false;
      out.push({ ...base, [f.name]: !d });
    }
  }
  return out;
}
