/**
 * The grammar of the model language (a chevrotain `CstParser` with error recovery) and the `parse` entry.
 *
 * `parse` runs lexer → parser → CST-to-AST and never throws on bad input: every problem becomes a `Diagnostic` with a
 * span, and chevrotain's recovery (token insertion/deletion, re-sync, in-repetition recovery) lets one run report
 * several independent errors while still producing a best-effort `Program`.
 *
 * The conditional expression `a if cond else b` shares `if` with `if` statements and members, and newlines are not
 * significant, so after `return x` a line `if c { ... }` could continue the expression. Rule: an `if` after an operand
 * continues the expression unless a `{` comes (outside parentheses and brackets) before the next `else` — a
 * conditional has no bare `{` before its `else`, an `if` statement or member always has its block there. A
 * conditional written without `else` is thus reported as a missing `else`.
 */
import type { CstNode, IParserErrorMessageProvider, IToken, ParserMethod, TokenType } from 'chevrotain';
import type { Program } from './ast.ts';
import { CompileError, type Diagnostic, diagnostic } from './diagnostics.ts';
import { buildProgram } from './cst-to-ast.ts';
import * as T from './lexer.ts';

const { CstParser, EOF } = T.chevrotain;

// Messages say what was expected; `parse` appends ", found …" from the offending token (chevrotain's ERR_MSG option
// is a fixed string, so that part cannot be in it). A second line is the hint.
const closers = {
  program: "expected 'config' or 'module'\na file holds only config and module declarations",
  configDecl: "expected a field name or '}'",
  moduleDecl: "expected a member or '}'\nmembers start with param, sub, let, fn or if",
  block: "expected a statement or '}'\nstatements are let, for, if, return, assert or an assignment 'name = value'",
} as const;
const closerByRule: Record<string, string> = { ...closers, memberBlock: closers.moduleDecl };
const EXPR = 'expected an expression';
const ELSE = "expected '{' or 'if' after 'else'";

const errorMessageProvider: IParserErrorMessageProvider = {
  // Also used by in-repetition recovery, where `expected` is the token after a list (`}`): word it per list.
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    ((expected === T.RBrace || expected === EOF) && closerByRule[ruleName]) || `expected ${T.spellTokenType(expected)}`,
  buildNotAllInputParsedMessage: () => closers.program,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, customUserDescription }) =>
    customUserDescription ?? `expected ${T.spellTokenTypes(expectedPathsPerAlt.flat().map((p) => p[0] ?? EOF))}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, customUserDescription }) =>
    customUserDescription ?? `expected ${T.spellTokenTypes(expectedIterationPaths.map((p) => p[0] ?? EOF))}`,
};

const msg = (text: string) => ({ ERR_MSG: text });
type Rule = ParserMethod<[], CstNode>;

/** The grammar; see the header for the one decision LL(k) cannot make (the conditional expression's `if`). */
class DslParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, nodeLocationTracking: 'onlyOffset', maxLookahead: 3, errorMessageProvider });
    this.performSelfAnalysis();
  }

  // ---- declarations -------------------------------------------------------------------------------------------
  program = this.RULE('program', () => this.MANY(() => this.SUBRULE(this.decl)));
  decl = this.RULE('decl', () => this.oneOf([this.configDecl, this.moduleDecl]));

  configDecl = this.RULE('configDecl', () => {
    this.head(T.Config);
    this.braced(this.configField, closers.configDecl, "expected '{' after the config name");
  });

  configField = this.RULE('configField', () => {
    this.nameColon('field');
    this.SUBRULE(this.scalarType);
    this.OPTION(() => this.initializer());
    this.OPTION2(() => this.CONSUME(T.Comma));
  });

  /** `int`, `BertConfig`, `"a" | "b"`, each with an optional `?`; which names are types is checked on the AST. */
  scalarType = this.RULE('scalarType', () => {
    const enumType = () => this.strings('expected a string');
    this.choose('expected a type\ntypes are int, float, bool, str or a string enum "a" | "b"', [() => this.CONSUME(T.Identifier), enumType]);
    this.OPTION(() => this.CONSUME(T.Question));
  });

  moduleDecl = this.RULE('moduleDecl', () => {
    this.head(T.Module);
    const params = () => this.commaList(this.moduleParam);
    this.enclosed(T.LParen, params, "expected ')' to close the module parameters", "expected '(' and the parameters after the module name");
    this.braced(this.member, closers.moduleDecl, "expected '{' to start the module body");
  });

  moduleParam = this.RULE('moduleParam', () => {
    this.nameColon('parameter');
    this.SUBRULE(this.scalarType);
    this.OPTION(() => this.initializer());
  });

  // ---- members ------------------------------------------------------------------------------------------------
  member = this.RULE('member', () => this.oneOf([this.paramMember, this.subMember, this.letMember, this.fnMember, this.ifMember]));

  paramMember = this.RULE('paramMember', () => {
    this.head(T.Param);
    this.CONSUME(T.Colon, msg("expected ':' after the parameter name"));
    this.SUBRULE(this.tensorType);
    this.CONSUME(T.At, msg("expected '@' and the checkpoint name after the tensor type"));
    this.strings("expected the checkpoint name as a string after '@'");
  });

  subMember = this.RULE('subMember', () => {
    this.head(T.Sub);
    this.CONSUME(T.Colon, msg("expected ':' after the submodule name"));
    this.CONSUME(T.Identifier, { LABEL: 'module', ERR_MSG: "expected a module name after ':'" });
    const args = () => this.OPTION(() => this.SUBRULE(this.args));
    this.enclosed(T.LParen, args, "expected ',' or ')' after an argument", "expected '(' and the arguments after the module name");
    this.OPTION2(() => this.enclosed(T.LBracket, () => this.SUBRULE(this.expr), "expected ']' after the submodule count"));
    this.CONSUME(T.At, msg("expected '@' and the checkpoint path after the submodule"));
    this.CONSUME(T.StringLiteral, msg("expected the checkpoint path as a string after '@'"));
  });

  letMember = this.RULE('letMember', () => {
    this.head(T.Let);
    this.CONSUME(T.Eq, msg("expected '=' after the name"));
    this.SUBRULE(this.expr);
  });

  fnMember = this.RULE('fnMember', () => {
    this.head(T.Fn);
    // `*batch` names a run of dimensions; the AST lists it as `batch` (the spread shows in the parameter types).
    const dim = () => {
      this.OPTION2(() => this.CONSUME(T.Star));
      this.CONSUME(T.Identifier, { LABEL: 'dim', ERR_MSG: 'expected a dimension name' });
    };
    const dims = () => this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: dim });
    this.OPTION(() => this.enclosed(T.LBracket, dims, "expected ',' or ']' after a dimension name"));
    const params = () => this.commaList(this.fnParam);
    this.enclosed(T.LParen, params, "expected ')' to close the function parameters", "expected '(' and the parameters after the function name");
    this.CONSUME(T.Arrow, msg("expected '->' and the return type"));
    this.choose('expected a return type\nwrite a tensor type like f32[B, S] or a record type (name: f32[B], ...)', [
      () => this.seq(() => this.SUBRULE(this.tensorType), () => this.OPTION4(() => this.CONSUME(T.Question))),
      () => this.SUBRULE(this.recordType),
    ]);
    this.SUBRULE(this.block);
  });

  fnParam = this.RULE('fnParam', () => {
    this.nameColon('parameter');
    this.SUBRULE(this.tensorType);
    // `i32[B, S] | i32[B, S, S]`: the forms (of different ranks) a parameter accepts
    this.MANY(() => this.seq(() => this.CONSUME(T.Pipe), () => this.SUBRULE2(this.tensorType)));
    this.OPTION3(() => this.CONSUME(T.Question));
    const dotDot = () => this.CONSUME(T.DotDot, msg("expected '..' between the bounds of the range"));
    const range = () => this.seq(() => this.SUBRULE(this.expr, { LABEL: 'lo' }), dotDot, () => this.SUBRULE2(this.expr, { LABEL: 'hi' }));
    this.OPTION(() => this.seq(() => this.CONSUME(T.In), range));
    this.OPTION2(() => this.initializer());
    // `inputs_embeds: f32[B, S, H]? replaces input_ids`: given, it stands in for that input (then none)
    this.OPTION4(() => this.seq(() => this.CONSUME(T.Replaces), () => this.CONSUME2(T.Identifier, { LABEL: 'replaced', ERR_MSG: "expected the name of the input it replaces after 'replaces'" })));
  });

  ifMember = this.RULE('ifMember', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.memberBlock);
    const otherwise = () => this.choose(ELSE, [() => this.SUBRULE2(this.memberBlock), () => this.SUBRULE(this.ifMember)]);
    this.OPTION(() => this.seq(() => this.CONSUME(T.Else), otherwise));
  });

  memberBlock = this.RULE('memberBlock', () => this.braced(this.member, closers.moduleDecl, "expected '{' after the condition"));

  // ---- types --------------------------------------------------------------------------------------------------
  tensorType = this.RULE('tensorType', () => {
    this.CONSUME(T.Identifier, msg('expected a tensor type like f32[B, S]'));
    const dims = () => this.commaList(this.item);
    this.enclosed(T.LBracket, dims, "expected ',' or ']' after a dimension", "expected '[' and the dimensions after the dtype");
  });

  recordType = this.RULE('recordType', () =>
    this.enclosed(T.LParen, () => this.commaList(this.recordTypeField), "expected ',' or ')' after a record field"),
  );

  recordTypeField = this.RULE('recordTypeField', () => {
    this.nameColon('field');
    this.SUBRULE(this.tensorType);
    this.OPTION(() => this.CONSUME(T.Question));
  });

  // ---- statements ---------------------------------------------------------------------------------------------
  block = this.RULE('block', () => this.braced(this.stmt, closers.block, "expected '{' to start a block"));
  stmt = this.RULE('stmt', () => this.oneOf([this.letStmt, this.assignStmt, this.forStmt, this.ifStmt, this.returnStmt, this.assertStmt]));

  letStmt = this.RULE('letStmt', () => {
    this.head(T.Let);
    this.OPTION(() => this.seq(() => this.CONSUME(T.Colon), () => this.SUBRULE(this.tensorType)));
    this.CONSUME(T.Eq, msg("expected '=' after the name"));
    this.SUBRULE(this.expr);
  });

  assignStmt = this.RULE('assignStmt', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Eq, msg(`expected '=' after the name\n${closers.block.split('\n')[1]}`));
    this.SUBRULE(this.expr);
  });

  forStmt = this.RULE('forStmt', () => {
    this.CONSUME(T.For);
    this.CONSUME(T.Identifier, msg("expected the loop variable after 'for'"));
    this.CONSUME(T.In, msg("expected 'in' after the loop variable"));
    this.SUBRULE(this.expr, { LABEL: 'from' });
    this.CONSUME(T.DotDot, msg("expected '..' between the loop bounds"));
    this.SUBRULE2(this.expr, { LABEL: 'to' });
    this.SUBRULE(this.block);
  });

  ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.block);
    const otherwise = () => this.choose(ELSE, [() => this.SUBRULE2(this.block), () => this.SUBRULE(this.ifStmt)]);
    this.OPTION(() => this.seq(() => this.CONSUME(T.Else), otherwise));
  });

  returnStmt = this.RULE('returnStmt', () => this.seq(() => this.CONSUME(T.Return), () => this.SUBRULE(this.expr)));

  assertStmt = this.RULE('assertStmt', () => {
    this.CONSUME(T.Assert);
    this.SUBRULE(this.expr);
    this.CONSUME(T.Comma, msg("expected ',' and a message after the assert condition"));
    this.CONSUME(T.StringLiteral, msg('expected the assert message as a string'));
  });

  // ---- expressions, loosest first -----------------------------------------------------------------------------
  expr = this.RULE('expr', () => {
    this.SUBRULE(this.orExpr);
    const conditional = () => {
      this.CONSUME(T.If);
      this.SUBRULE2(this.orExpr, { LABEL: 'cond' });
      this.CONSUME(T.Else, msg("expected 'else' to complete the conditional expression\nwrite it as 'a if cond else b'"));
      this.SUBRULE(this.expr, { LABEL: 'otherwise' });
    };
    this.OPTION({ GATE: () => this.conditionalIfAhead(), DEF: conditional });
  });

  orExpr = this.RULE('orExpr', () => this.binaryLevel(T.Or, this.andExpr));
  andExpr = this.RULE('andExpr', () => this.binaryLevel(T.And, this.notExpr));
  notExpr = this.RULE('notExpr', () => this.prefixed(T.Not, this.notExpr, this.cmpExpr));
  // Chained comparisons parse here and are rejected on the AST with a clearer message than a syntax error.
  cmpExpr = this.RULE('cmpExpr', () => this.binaryLevel(T.CmpOp, this.addExpr));
  addExpr = this.RULE('addExpr', () => this.binaryLevel(T.AddOp, this.mulExpr));
  mulExpr = this.RULE('mulExpr', () => this.binaryLevel(T.MulOp, this.unary));
  unary = this.RULE('unary', () => this.prefixed(T.Minus, this.unary, this.postfix));
  postfix = this.RULE('postfix', () => this.seq(() => this.SUBRULE(this.primary), () => this.MANY(() => this.SUBRULE(this.suffix))));

  suffix = this.RULE('suffix', () =>
    this.choose(undefined, [
      () => this.seq(() => this.CONSUME(T.Dot), () => this.CONSUME(T.Identifier, msg("expected a name after '.'"))),
      () => this.enclosed(T.LBracket, () => this.SUBRULE(this.expr), "expected ']' after the index"),
      () => this.enclosed(T.LParen, () => this.OPTION(() => this.SUBRULE(this.args)), "expected ',' or ')' after an argument"),
    ]),
  );

  primary = this.RULE('primary', () =>
    this.choose(EXPR, [
      ...[T.NumberLiteral, T.StringLiteral, T.True, T.False, T.None, T.Identifier].map((t) => () => this.CONSUME(t)),
      () => this.enclosed(T.LParen, () => this.SUBRULE(this.expr), "expected ')' to close the parenthesis"),
      () => this.enclosed(T.LBracket, () => this.commaList(this.item), "expected ',' or ']' after a list item"),
      () => this.enclosed(T.LBrace, () => this.commaList(this.fieldInit, 20), "expected ',' or '}' after a record field"),
    ]),
  );

  /** A list item or tensor dimension: an expression, or `*name` spreading a run of dimensions into place. */
  item = this.RULE('item', () =>
    this.choose(undefined, [
      () => this.seq(() => this.CONSUME(T.Star), () => this.CONSUME(T.Identifier, msg("expected a name after '*'"))),
      () => this.SUBRULE(this.expr),
    ]),
  );

  fieldInit = this.RULE('fieldInit', () => this.seq(() => this.nameColon('field'), () => this.SUBRULE(this.expr)));
  args = this.RULE('args', () => this.commaList(this.arg, 10, false));

  // `name = value` vs a positional `name == value`: `=` and `==` are distinct tokens, so LL(2) decides.
  arg = this.RULE('arg', () =>
    this.choose(undefined, [
      () => this.seq(() => this.CONSUME(T.Identifier, { LABEL: 'name' }), () => this.CONSUME(T.Eq), () => this.SUBRULE(this.expr)),
      () => this.SUBRULE2(this.expr),
    ]),
  );

  // ---- grammar macros, expanded into the calling rule ---------------------------------------------------------
  // Chevrotain needs a distinct occurrence index per DSL call within a rule: the macros use indexes 4 and up, apart
  // from the rules' own CONSUME/SUBRULE/OPTION (0-3); `base` separates two comma lists in one rule.

  /** `keyword NAME`, e.g. `config BertConfig`. */
  private head(keyword: TokenType): void {
    this.consume(9, keyword);
    this.consume(9, T.Identifier, msg(`expected a name after ${T.spellTokenType(keyword)}`));
  }

  /** `NAME ':'` of a field or parameter. */
  private nameColon(what: string): void {
    this.consume(8, T.Identifier, msg(`expected a ${what} name`));
    this.consume(8, T.Colon, msg(`expected ':' after the ${what} name`));
  }

  /** `open inner close`, with friendly messages for the delimiters. */
  private enclosed(open: TokenType, inner: () => void, closeMsg: string, openMsg?: string): void {
    const close = open === T.LParen ? T.RParen : open === T.LBracket ? T.RBracket : T.RBrace;
    this.consume(5, open, openMsg === undefined ? undefined : msg(openMsg));
    inner();
    this.consume(5, close, msg(closeMsg));
  }

  /** `'{' rule* '}'`. */
  private braced(rule: Rule, closeMsg: string, openMsg: string): void {
    this.enclosed(T.LBrace, () => this.many(4, () => this.subrule(4, rule)), closeMsg, openMsg);
  }

  /** `item (',' item)* ','?`, possibly empty unless `optional` is false; LL(2) tells a separator from a trailing comma. */
  private commaList(rule: Rule, base = 10, optional = true): void {
    const list = () => {
      this.subrule(base, rule);
      this.many(base, () => this.seq(() => this.consume(base, T.Comma), () => this.subrule(base + 1, rule)));
      this.option(base + 1, () => this.consume(base + 1, T.Comma));
    };
    if (optional) this.option(base, list);
    else list();
  }

  /** Alternatives; `errMsg` replaces the message listing every alternative's first token. */
  private choose(errMsg: string | undefined, alts: (() => unknown)[]): void {
    this.or(4, { ERR_MSG: errMsg, DEF: alts.map((ALT) => ({ ALT })) });
  }

  /** `rule1 | rule2 | ...`: alternatives that are whole rules (each keeps its own CST node). */
  private oneOf(rules: Rule[]): void {
    this.or(5, rules.map((rule) => ({ ALT: () => this.subrule(5, rule) })));
  }

  /** Runs grammar actions in order (lets a multi-step alternative sit on one line). */
  private seq(...steps: (() => unknown)[]): void {
    for (const step of steps) step();
  }

  /** `prefix self | next`: a right-recursive prefix operator over the next tighter level. */
  private prefixed(prefix: TokenType, self: Rule, next: Rule): void {
    this.choose(EXPR, [() => this.seq(() => this.consume(5, prefix), () => this.subrule(5, self)), () => this.subrule(6, next)]);
  }

  /** `operand (op operand)*`, folded left-associatively on the AST. */
  private binaryLevel(op: TokenType, operand: Rule): void {
    this.subrule(5, operand);
    this.many(5, () => this.seq(() => this.consume(5, op), () => this.subrule(6, operand)));
  }

  /** `'=' expr`: a default value. */
  private initializer(): void {
    this.consume(6, T.Eq);
    this.subrule(7, this.expr);
  }

  /** `STRING ('|' STRING)*`: an enum's choices or a parameter's checkpoint names. */
  private strings(firstMsg: string): void {
    this.consume(6, T.StringLiteral, msg(firstMsg));
    this.many(6, () => this.seq(() => this.consume(7, T.Pipe), () => this.consume(8, T.StringLiteral, msg("expected a string after '|'"))));
  }

  /** Whether the `if` at LA(1) continues an expression: no `{` at bracket depth 0 before the next `else`. */
  private conditionalIfAhead(): boolean {
    // chevrotain runs a gate before its own lookahead: without this check every expression would scan to the end
    if (this.LA(1).tokenType !== T.If) return false;
    let depth = 0;
    for (let i = 2; ; i++) {
      const t = this.LA(i).tokenType;
      if (t === EOF) return true;
      if (t === T.LParen || t === T.LBracket) depth++;
      else if (t === T.RParen || t === T.RBracket || t === T.RBrace) {
        if (depth-- === 0) return true;
      } else if (depth === 0 && t === T.Else) return true;
      else if (depth === 0 && t === T.LBrace) return false;
    }
  }
}

let shared: DslParser | undefined; // building the grammar takes a while: do it once, on first use

/**
 * Parses one source file. Never throws on bad input: lexical, syntax and early semantic problems (unknown types and
 * dtypes, bad escapes, chained comparisons) come back as `diagnostics`, sorted by position, next to a best-effort
 * `program` in which the broken declarations, members, statements or fields are left out.
 */
/** Deeper nesting than any model needs; chevrotain recurses per level, so a limit keeps the stack safe. */
const MAX_NESTING = 100;
/** Past this many unexpected characters the input is not a model source (a binary file, say): no parse. */
const MAX_BAD_CHARS = 1000;

const OPENERS = new Set([T.LParen, T.LBracket, T.LBrace]);
const CLOSERS = new Set([T.RParen, T.RBracket, T.RBrace]);
const PREFIXES = new Set([T.Minus, T.Not]);

/** The first token that nests past MAX_NESTING (brackets, or a run of prefix operators), if any. */
function tooDeep(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let prefix = 0;
  for (const t of tokens) {
    if (OPENERS.has(t.tokenType) && ++depth > MAX_NESTING) return t;
    if (CLOSERS.has(t.tokenType)) depth = Math.max(0, depth - 1);
    prefix = PREFIXES.has(t.tokenType) ? prefix + 1 : 0;
    if (prefix > MAX_NESTING) return t;
  }
  return undefined;
}

const emptyProgram = (file: string): Program => ({ kind: 'Program', file, decls: [] });
const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);

/** Model sources are a few kB; anything this large (or holding NUL bytes) is some other file passed by mistake. */
const MAX_SOURCE_CHARS = 4_000_000;

export function parse(source: string, file: string): { program: Program; diagnostics: Diagnostic[] } {
  const start = { file, line: 1, col: 1, endLine: 1, endCol: 2 };
  if (source.length > MAX_SOURCE_CHARS) {
    const mb = (source.length / 1e6).toFixed(1);
    return { program: emptyProgram(file), diagnostics: [diagnostic(start, `not a model source: ${mb} MB is far larger than any model source (limit 4 MB)`)] };
  }
  const nul = source.indexOf('\0');
  if (nul >= 0) {
    return { program: emptyProgram(file), diagnostics: [diagnostic(start, `not a model source: it holds NUL bytes (at offset ${nul}), so it looks like a binary file`)] };
  }
  const lexed = T.tokenize(source, file);
  if (lexed.tokens.filter((t) => t.tokenType === T.BadChar).length > MAX_BAD_CHARS) {
    return { program: emptyProgram(file), diagnostics: lexed.diagnostics };
  }
  const deep = tooDeep(lexed.tokens);
  if (deep) {
    const d = diagnostic(T.tokenSpan(deep, file), `nesting deeper than ${MAX_NESTING} levels`, 'split the expression with let bindings');
    return { program: emptyProgram(file), diagnostics: [...lexed.diagnostics, d] };
  }
  try {
    return parseTokens(lexed, file, source);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    shared = undefined; // the parser's state is unknown after an overflow: build a fresh one next time
    const first = lexed.tokens[0];
    const span = first ? T.tokenSpan(first, file) : { file, line: 1, col: 1, endLine: 1, endCol: 2 };
    return { program: emptyProgram(file), diagnostics: [diagnostic(span, 'the source nests too deeply to parse', 'split long expressions with let bindings')] };
  }
}

function parseTokens(lexed: ReturnType<typeof T.tokenize>, file: string, source: string): { program: Program; diagnostics: Diagnostic[] } {
  shared ??= new DslParser();
  shared.input = lexed.tokens;
  const cst = shared.program();
  // Recovery may report one spot more than once (the first message is the useful one), and characters the lexer
  // already reported need no second, syntax, error.
  const seen = new Set<number>(); // offsets; NaN (end of input) counts as one offset in a Set
  const errors = shared.errors.filter((e) => !seen.has(e.token.startOffset) && seen.add(e.token.startOffset) && e.token.tokenType !== T.BadChar);
  const syntax = errors.map((e) => {
    const [message = '', hint] = e.message.split('\n');
    return T.diagnosticAt(e.token, lexed.tokens, file, `${message}, found ${T.describeToken(e.token)}`, hint);
  });
  const { program, diagnostics } = buildProgram(cst, file, source);
  const all = [...lexed.diagnostics, ...syntax, ...diagnostics];
  return { program, diagnostics: all.sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col) };
}

/** Parses one source file and throws a `CompileError` carrying every diagnostic if there is any. */
export function parseOrThrow(source: string, file: string): Program {
  const { program, diagnostics } = parse(source, file);
  if (diagnostics.length > 0) throw new CompileError(diagnostics, source);
  return program;
}
