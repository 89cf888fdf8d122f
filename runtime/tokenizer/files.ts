/**
 * Parsing the files a Hugging Face BERT tokenizer ships — `vocab.txt` (slow) or `tokenizer.json` (fast), plus the
 * optional `tokenizer_config.json` and `special_tokens_map.json` — from their text, so browsers can pass contents they
 * fetched themselves. Reading from disk is in `load.ts`.
 */
import { UserError } from '../../dsl/errors.ts';
import { jsonErrorIndex, lineCol } from '../weights/json-error.ts';

/** An added token as `tokenizer.json` / `added_tokens_decoder` describe it. */
export interface AddedTokenSpec {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
}

/** What the model file (vocab.txt or tokenizer.json) says. */
export interface ModelSource {
  readonly label: string;
  readonly vocab: Map<string, number>;
  /** Id → token; a hole where no token has that id. */
  readonly idToToken: (string | undefined)[];
  readonly unkToken?: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  readonly lowercase?: boolean;
  readonly stripAccents?: boolean;
  readonly handleChineseChars?: boolean;
  readonly clsToken?: string;
  readonly sepToken?: string;
  readonly addedTokens: readonly AddedTokenSpec[];
}

/** JSON text or an already-parsed object. */
export type JsonInput = string | Record<string, unknown>;

/**
 * HF `load_vocab`: one token per line, the id is the line number. A trailing newline ends the last line rather than
 * adding an empty token; "\r" is dropped too (HF keeps it, which only ever breaks CRLF files). A repeated token keeps
 * its last id, as the Python dict does.
 */
export function parseVocabTxt(text: string, label = 'vocab.txt'): ModelSource {
  if (typeof text !== 'string') throw new UserError(`${label}: expected the file's text, got ${typeof text}`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new UserError(`${label} is empty: a WordPiece vocabulary needs one token per line`);
  const vocab = new Map<string, number>();
  const idToToken = lines.map((line, id) => {
    const token = line.endsWith('\r') ? line.slice(0, -1) : line;
    vocab.set(token, id);
    return token;
  });
  return { label, vocab, idToToken, continuingSubwordPrefix: '##', maxInputCharsPerWord: 100, addedTokens: [] };
}

/** Parses JSON text (or passes an object through); syntax errors name the file and line:col. */
export function parseJsonObject(input: JsonInput, label: string): Record<string, unknown> {
  let json: unknown = input;
  if (typeof input === 'string') {
    const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    try {
      json = JSON.parse(text);
    } catch (e) {
      const at = jsonErrorIndex(text);
      throw new UserError(`${label}${at >= 0 ? `:${lineCol(text, at)}` : ''}: invalid JSON (${(e as Error).message})`);
    }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new UserError(`${label}: expected a JSON object at the top level`);
  }
  return json as Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Reads a `tokenizer.json` whose model is WordPiece (what `BertTokenizerFast.save_pretrained` writes). */
export function parseTokenizerJson(input: JsonInput, label = 'tokenizer.json'): ModelSource {
  const json = parseJsonObject(input, label);
  const model = json.model;
  if (!isObj(model)) throw new UserError(`${label}: no "model" object`);
  if (model.type !== undefined && model.type !== 'WordPiece') {
    throw new UserError(`${label}: model type is ${JSON.stringify(model.type)}; a BERT tokenizer needs "WordPiece"`);
  }
  if (!isObj(model.vocab)) throw new UserError(`${label}: "model.vocab" must be an object of token → id`);
  const vocab = new Map<string, number>();
  const idToToken: (string | undefined)[] = [];
  for (const [token, id] of Object.entries(model.vocab)) {
    if (!isId(id)) throw new UserError(`${label}: id of ${JSON.stringify(token)} in "model.vocab" is ${JSON.stringify(id)}, not an integer ≥ 0`);
    vocab.set(token, id);
    idToToken[id] = token;
  }
  if (vocab.size === 0) throw new UserError(`${label}: "model.vocab" is empty`);
  const str = (v: unknown, what: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new UserError(`${label}: ${what} must be a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (v: unknown, what: string): boolean | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new UserError(`${label}: ${what} must be true, false or null, got ${JSON.stringify(v)}`);
    return v;
  };
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (!isId(maxChars)) throw new UserError(`${label}: "model.max_input_chars_per_word" must be an integer ≥ 0`);

  const n = json.normalizer;
  let normalizer: Pick<ModelSource, 'lowercase' | 'stripAccents' | 'handleChineseChars'> = {};
  if (isObj(n)) {
    if (n.type !== 'BertNormalizer') {
      throw new UserError(`${label}: normalizer type ${JSON.stringify(n.type)} is not supported; a BERT tokenizer uses "BertNormalizer"`);
    }
    if (n.clean_text === false) throw new UserError(`${label}: BertNormalizer with "clean_text": false is not supported`);
    normalizer = {
      lowercase: bool(n.lowercase, '"normalizer.lowercase"') ?? true,
      stripAccents: bool(n.strip_accents, '"normalizer.strip_accents"'),
      handleChineseChars: bool(n.handle_chinese_chars, '"normalizer.handle_chinese_chars"') ?? true,
    };
  } else if (n !== null && n !== undefined) throw new UserError(`${label}: "normalizer" must be an object or null`);
  const pre = json.pre_tokenizer;
  if (isObj(pre) && pre.type !== 'BertPreTokenizer') {
    throw new UserError(`${label}: pre_tokenizer type ${JSON.stringify(pre.type)} is not supported; a BERT tokenizer uses "BertPreTokenizer"`);
  }

  const addedTokens: AddedTokenSpec[] = [];
  if (json.added_tokens !== undefined && json.added_tokens !== null) {
    if (!Array.isArray(json.added_tokens)) throw new UserError(`${label}: "added_tokens" must be an array`);
    json.added_tokens.forEach((t: unknown, k) => {
      if (!isObj(t) || !isId(t.id) || typeof t.content !== 'string') {
        throw new UserError(`${label}: added_tokens[${k}] needs an integer "id" and a string "content"`);
      }
      addedTokens.push({ id: t.id, content: t.content, special: t.special === true });
    });
  }
  return {
    label,
    vocab,
    idToToken,
    unkToken: str(model.unk_token, '"model.unk_token"'),
    continuingSubwordPrefix: str(model.continuing_subword_prefix, '"model.continuing_subword_prefix"') ?? '##',
    maxInputCharsPerWord: maxChars,
    ...normalizer,
    ...postProcessorTokens(json.post_processor, label),
    addedTokens,
  };
}

/** [CLS] and [SEP] as the post-processor names them (TemplateProcessing or BertProcessing). */
function postProcessorTokens(pp: unknown, label: string): { clsToken?: string; sepToken?: string } {
  if (!isObj(pp)) return {};
  if (pp.type === 'BertProcessing') {
    const pick = (v: unknown) => (Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);
    return { clsToken: pick(pp.cls), sepToken: pick(pp.sep) };
  }
  if (pp.type === 'TemplateProcessing') {
    const specials = Array.isArray(pp.single)
      ? pp.single.flatMap((piece: unknown) => (isObj(piece) && isObj(piece.SpecialToken) ? [piece.SpecialToken.id] : []))
      : [];
    if (specials.length === 2 && specials.every((s) => typeof s === 'string')) {
      return { clsToken: specials[0] as string, sepToken: specials[1] as string };
    }
    throw new UserError(`${label}: TemplateProcessing "single" must be [CLS] $A [SEP]-shaped for a BERT tokenizer`);
  }
  throw new UserError(`${label}: post_processor type ${JSON.stringify(pp.type)} is not supported (BertProcessing or TemplateProcessing)`);
}
