/**
 * CST → AST: turns chevrotain's concrete syntax tree (dsl/parser.ts) into the AST of dsl/ast.ts, with spans.
 *
 * Spans come from chevrotain's node locations, so a compound node covers its first to its last token (parentheses
 * included). After error recovery the CST can lack pieces; a missing piece abandons only the enclosing list item
 * (declaration, field, parameter, member, statement), whose syntax error was already reported. The few checks that
 * need the token text (type and dtype names, string escapes, chained comparisons) are reported here.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { diagnostic, spanFrom, type Diagnostic } from './diagnostics.ts';
import { decodeString, tokenSpan } from './lexer.ts';

const SCALARS = new Set(['int', 'float', 'bool', 'str']);
const DTYPES = new Set(['f32', 'f16', 'bf16', 'i32', 'bool']);

/** Thrown when recovery left a required piece out; caught at the nearest list item, which is then dropped. */
class Missing extends Error {}

function isToken(e: CstElement): e is IToken {
  return 'image' in e;
}

/** Builds the AST of a whole `program` CST, collecting the diagnostics found on the way. */
export function buildProgram(cst: CstNode, file: string, source: string): { program: A.Program; diagnostics: Diagnostic[] } {
  const b = new Builder(file, source);
  return { program: { kind: 'Program', file, decls: b.decls(cst) }, diagnostics: b.diagnostics };
}

/** Offsets where each line starts (chevrotain's line terminators: \n, \r\n and a lone \r). */
function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

class Builder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly starts: number[];
  constructor(
    readonly file: string,
    source: string,
  ) {
    this.starts = lineStarts(source);
  }

  /** 1-based line and column of a character offset (by binary search over the line starts). */
  private position(offset: number): [number, number] {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, offset - this.starts[lo]! + 1];
  }

  // ---- CST access ---------------------------------------------------------------------------------------------
  private all(n: CstNode, key: string): CstElement[] {
    return n.children[key] ?? [];
  }
  private nodes(n: CstNode, key: string): CstNode[] {
    return this.all(n, key).filter((e): e is CstNode => !isToken(e));
  }
  /** Real tokens under `key` (tokens invented by recovery have no text or position). */
  private tokens(n: CstNode, key: string): IToken[] {
    return this.all(n, key).filter((e): e is IToken => isToken(e) && !e.isInsertedInRecovery);
  }
  private has(n: CstNode, key: string): boolean {
    return this.tokens(n, key).length > 0 || this.nodes(n, key).length > 0;
  }
  private tok(n: CstNode, key: string, i = 0): IToken {
    const t = this.all(n, key)[i];
    if (t === undefined || !isToken(t) || t.isInsertedInRecovery) throw new Missing();
    return t;
  }
  private node(n: CstNode, key: string, i = 0): CstNode {
    const c = this.all(n, key)[i];
    if (c === undefined || isToken(c)) throw new Missing();
    return c;
  }
  // The parser tracks only offsets (full line/column tracking on every CST node made parsing allocation-bound);
  // spans are computed here, for the nodes that become AST nodes.
  private span(n: CstNode): A.Span {
    const l = n.location;
    if (l === undefined || Number.isNaN(l.startOffset) || l.endOffset === undefined || Number.isNaN(l.endOffset)) throw new Missing();
    const [line, col] = this.position(l.startOffset);
    const [endLine, endCol] = this.position(l.endOffset);
    return { file: this.file, line, col, endLine, endCol: endCol + 1 };
  }
  private tspan(t: IToken): A.Span {
    return tokenSpan(t, this.file);
  }
  /** Builds each item, dropping those that recovery left incomplete. */
  private items<T>(ns: CstNode[], build: (n: CstNode) => T): T[] {
    const out: T[] = [];
    for (const n of ns) {
      try {
        out.push(build(n));
      } catch (e) {
        if (!(e instanceof Missing)) throw e;
      }
    }
    return out;
  }
  private report(span: A.Span, message: string, hint?: string): void {
    this.diagnostics.push(diagnostic(span, message, hint));
  }
  private str(t: IToken): string {
    const { value, badEscapes } = decodeString(t.image);
    for (const bad of badEscapes) {
      const col = (t.startColumn ?? 1) + bad.offset;
      const span = { file: this.file, line: t.startLine ?? 1, col, endLine: t.startLine ?? 1, endCol: col + bad.text.length };
      this.report(span, `unknown escape '${bad.text}' in string`, 'escapes are \\" \\\\ and \\n');
    }
    return value;
  }
  /** The single child rule of an alternation node (`decl`, `member`, `stmt`): its name and node. */
  private only(n: CstNode): [string, CstNode] {
    for (const [key, value] of Object.entries(n.children)) {
      const c = value?.[0];
      if (c !== undefined && !isToken(c)) return [key, c];
    }
    throw new Missing();
  }

  // ---- declarations -------------------------------------------------------------------------------------------
  decls(program: CstNode): A.Decl[] {
    return this.items(this.nodes(program, 'decl'), (d) => {
      const [key, n] = this.only(d);
      return key === 'configDecl' ? this.config(n) : this.module(n);
    });
  }

  private config(n: CstNode): A.ConfigDecl {
    const name = this.tok(n, 'Identifier').image;
    return { kind: 'Config', name, fields: this.items(this.nodes(n, 'configField'), (f) => this.configField(f)), span: this.span(n) };
  }

  private configField(n: CstNode): A.ConfigField {
    const name = this.tok(n, 'Identifier');
    const type = this.typeRef(this.node(n, 'scalarType'), false);
    if (type.kind !== 'ScalarType') throw new Missing();
    const value = this.has(n, 'expr') ? this.expr(this.node(n, 'expr')) : undefined;
    const span = spanFrom(this.tspan(name), (value ?? type).span);
    return value === undefined ? { kind: 'ConfigField', name: name.image, type, span } : { kind: 'ConfigField', name: name.image, type, default: value, span };
  }

  /** A `scalarType` CST: a scalar or enum type, or (for module parameters) a config type name. */
  private typeRef(n: CstNode, allowNamed: boolean): A.ScalarType | A.NamedType {
    const span = this.span(n);
    const optional = this.has(n, 'Question');
    const strings = this.tokens(n, 'StringLiteral');
    if (strings.length > 0) return { kind: 'ScalarType', name: 'str', choices: strings.map((t) => this.str(t)), optional, span };
    const id = this.tok(n, 'Identifier');
    const name = id.image;
    if (SCALARS.has(name)) return { kind: 'ScalarType', name: name as A.ScalarType['name'], optional, span };
    if (!allowNamed) {
      this.report(this.tspan(id), `unknown type '${name}'`, 'types are int, float, bool, str or a string enum "a" | "b"');
      throw new Missing();
    }
    if (optional) this.report(span, `a config parameter can't be optional ('${name}?')`, `write '${name}' without '?'`);
    return { kind: 'NamedType', name, span: this.tspan(id) };
  }

  private module(n: CstNode): A.ModuleDecl {
    const name = this.tok(n, 'Identifier').image;
    const params = this.items(this.nodes(n, 'moduleParam'), (p) => {
      const id = this.tok(p, 'Identifier');
      const type = this.typeRef(this.node(p, 'scalarType'), true);
      const value = this.has(p, 'expr') ? this.expr(this.node(p, 'expr')) : undefined;
      const span = spanFrom(this.tspan(id), (value ?? type).span);
      const param: A.ModuleParam = { kind: 'ModuleParam', name: id.image, type, span };
      return value === undefined ? param : { ...param, default: value };
    });
    return { kind: 'Module', name, params, members: this.members(n), span: this.span(n) };
  }

  // ---- members ------------------------------------------------------------------------------------------------
  private members(n: CstNode): A.Member[] {
    return this.items(this.nodes(n, 'member'), (m) => this.member(m));
  }

  private member(m: CstNode): A.Member {
    const [key, n] = this.only(m);
    const span = this.span(n);
    switch (key) {
      case 'paramMember': {
        const names = this.tokens(n, 'StringLiteral').map((t) => this.str(t));
        if (names.length === 0) throw new Missing();
        return { kind: 'ParamMember', name: this.tok(n, 'Identifier').image, type: this.tensorType(this.node(n, 'tensorType')), names, span };
      }
      case 'subMember': {
        const args = this.has(n, 'args') ? this.args(this.node(n, 'args')) : [];
        const sub = { kind: 'SubMember', name: this.tok(n, 'Identifier').image, module: this.tok(n, 'module').image, args } as const;
        const path = this.str(this.tok(n, 'StringLiteral'));
        return this.has(n, 'expr') ? { ...sub, count: this.expr(this.node(n, 'expr')), path, span } : { ...sub, path, span };
      }
      case 'letMember':
        return { kind: 'LetMember', name: this.tok(n, 'Identifier').image, value: this.expr(this.node(n, 'expr')), span };
      case 'fnMember':
        return this.fn(n, span);
      default:
        return this.ifMember(n, span);
    }
  }

  private ifMember(n: CstNode, span: A.Span): A.IfMember {
    const cond = this.expr(this.node(n, 'expr'));
    const blocks = this.nodes(n, 'memberBlock');
    const elseIf = this.nodes(n, 'ifMember')[0];
    const otherwise = elseIf ? [this.ifMember(elseIf, this.span(elseIf))] : blocks[1] ? this.members(blocks[1]) : [];
    return { kind: 'IfMember', cond, then: this.members(this.node(n, 'memberBlock')), else: otherwise, span };
  }

  private fn(n: CstNode, span: A.Span): A.FnMember {
    const params = this.items(this.nodes(n, 'fnParam'), (p) => {
      const id = this.tok(p, 'Identifier');
      const type = this.tensorType(this.node(p, 'tensorType'));
      const others = this.nodes(p, 'tensorType').slice(1).map((t) => this.tensorType(t));
      const param: A.FnParam = { kind: 'FnParam', name: id.image, type, span: this.span(p), ...(others.length > 0 && { forms: [type, ...others] }) };
      const range = this.has(p, 'lo') ? ([this.expr(this.node(p, 'lo')), this.expr(this.node(p, 'hi'))] as const) : undefined;
      const value = this.has(p, 'expr') ? this.expr(this.node(p, 'expr')) : undefined;
      const replaces = this.tokens(p, 'replaced')[0]?.image;
      return { ...param, ...(range && { range }), ...(value && { default: value }), ...(this.has(p, 'Question') && { optional: true }), ...(replaces && { replaces }) };
    });
    const ret = this.has(n, 'recordType') ? this.recordType(this.node(n, 'recordType')) : this.tensorType(this.node(n, 'tensorType'));
    const dims = this.tokens(n, 'dim').map((t) => t.image);
    const fn: A.FnMember = { kind: 'FnMember', name: this.tok(n, 'Identifier').image, dims, params, ret, body: this.block(this.node(n, 'block')), span };
    return this.has(n, 'Question') ? { ...fn, retOptional: true } : fn;
  }

  // ---- types --------------------------------------------------------------------------------------------------
  private tensorType(n: CstNode): A.TensorType {
    const id = this.tok(n, 'Identifier');
    if (!DTYPES.has(id.image)) this.report(this.tspan(id), `'${id.image}' is not a dtype`, 'dtypes are f32, f16, bf16, i32, bool');
    return { kind: 'TensorType', dtype: id.image, dims: this.nodes(n, 'item').map((e) => this.item(e)), span: this.span(n) };
  }

  private recordType(n: CstNode): A.RecordType {
    const fields = this.nodes(n, 'recordTypeField').map((f) => ({
      name: this.tok(f, 'Identifier').image,
      type: this.tensorType(this.node(f, 'tensorType')),
      optional: this.has(f, 'Question'),
      span: this.span(f),
    }));
    return { kind: 'RecordType', fields, span: this.span(n) };
  }

  // ---- statements ---------------------------------------------------------------------------------------------
  private block(n: CstNode): A.Stmt[] {
    return this.items(this.nodes(n, 'stmt'), (s) => this.stmt(s));
  }

  private stmt(s: CstNode): A.Stmt {
    const [key, n] = this.only(s);
    const span = this.span(n);
    switch (key) {
      case 'letStmt': {
        const name = this.tok(n, 'Identifier').image;
        const value = this.expr(this.node(n, 'expr'));
        return this.has(n, 'tensorType')
          ? { kind: 'LetStmt', name, type: this.tensorType(this.node(n, 'tensorType')), value, span }
          : { kind: 'LetStmt', name, value, span };
      }
      case 'assignStmt':
        return { kind: 'AssignStmt', name: this.tok(n, 'Identifier').image, value: this.expr(this.node(n, 'expr')), span };
      case 'forStmt': {
        const [from, to] = [this.expr(this.node(n, 'from')), this.expr(this.node(n, 'to'))];
        return { kind: 'ForStmt', var: this.tok(n, 'Identifier').image, from, to, body: this.block(this.node(n, 'block')), span };
      }
      case 'ifStmt':
        return this.ifStmt(n, span);
      case 'returnStmt':
        return { kind: 'ReturnStmt', value: this.expr(this.node(n, 'expr')), span };
      default:
        return { kind: 'AssertStmt', cond: this.expr(this.node(n, 'expr')), message: this.str(this.tok(n, 'StringLiteral')), span };
    }
  }

  private ifStmt(n: CstNode, span: A.Span): A.IfStmt {
    const cond = this.expr(this.node(n, 'expr'));
    const blocks = this.nodes(n, 'block');
    const elseIf = this.nodes(n, 'ifStmt')[0];
    const otherwise = elseIf ? [this.ifStmt(elseIf, this.span(elseIf))] : blocks[1] ? this.block(blocks[1]) : [];
    return { kind: 'IfStmt', cond, then: this.block(this.node(n, 'block')), else: otherwise, span };
  }

  // ---- expressions --------------------------------------------------------------------------------------------
  expr(n: CstNode): A.Expr {
    const then = this.binary(this.node(n, 'orExpr'));
    if (!this.has(n, 'If')) return then;
    return { kind: 'Cond', cond: this.binary(this.node(n, 'cond')), then, else: this.expr(this.node(n, 'otherwise')), span: this.span(n) };
  }

  /** One binary level (or/and/cmp/add/mul): operands folded left-associatively; below `mul` come unary operators. */
  private binary(n: CstNode): A.Expr {
    const [opKey, operandKey] = LEVELS[n.name] ?? ['', ''];
    const operands = this.nodes(n, operandKey);
    const ops = this.tokens(n, opKey);
    if (n.name === 'cmpExpr' && ops.length > 1) {
      this.report(this.tspan(ops[1]!), 'comparisons cannot be chained', "combine them with 'and': a < b and b < c");
    }
    const next = (c: CstNode): A.Expr => (n.name === 'mulExpr' ? this.unary(c) : n.name === 'andExpr' ? this.not(c) : this.binary(c));
    const first = operands[0];
    if (first === undefined) throw new Missing();
    let acc = next(first);
    ops.forEach((op, i) => {
      const right = operands[i + 1];
      if (right === undefined) throw new Missing();
      acc = { kind: 'Binary', op: op.image as A.BinaryOp, left: acc, right: next(right), span: spanFrom(this.span(first), this.span(right)) };
    });
    return acc;
  }

  private not(n: CstNode): A.Expr {
    if (!this.has(n, 'Not')) return this.binary(this.node(n, 'cmpExpr'));
    return { kind: 'Unary', op: 'not', operand: this.not(this.node(n, 'notExpr')), span: this.span(n) };
  }

  private unary(n: CstNode): A.Expr {
    if (!this.has(n, 'Minus')) return this.postfix(this.node(n, 'postfix'));
    return { kind: 'Unary', op: '-', operand: this.unary(this.node(n, 'unary')), span: this.span(n) };
  }

  private postfix(n: CstNode): A.Expr {
    const head = this.node(n, 'primary');
    let acc = this.primary(head);
    for (const s of this.nodes(n, 'suffix')) {
      const span = spanFrom(this.span(head), this.span(s));
      if (this.has(s, 'Dot')) acc = { kind: 'Member', object: acc, name: this.tok(s, 'Identifier').image, span };
      else if (this.has(s, 'LBracket')) acc = { kind: 'Index', object: acc, index: this.expr(this.node(s, 'expr')), span };
      else acc = { kind: 'Call', callee: acc, args: this.has(s, 'args') ? this.args(this.node(s, 'args')) : [], span };
    }
    return acc;
  }

  private primary(n: CstNode): A.Expr {
    const span = this.span(n);
    const t = (key: string): IToken | undefined => this.tokens(n, key)[0];
    let tok: IToken | undefined;
    if ((tok = t('NumberLiteral'))) return { kind: 'Number', value: Number(tok.image), isInt: !/[.eE]/.test(tok.image), span };
    if ((tok = t('StringLiteral'))) return { kind: 'String', value: this.str(tok), span };
    if (t('True') || t('False')) return { kind: 'Bool', value: t('True') !== undefined, span };
    if (t('None')) return { kind: 'None', span };
    if ((tok = t('Identifier'))) return { kind: 'Ident', name: tok.image, span };
    if (this.has(n, 'LParen')) return this.expr(this.node(n, 'expr'));
    if (this.has(n, 'LBracket')) return { kind: 'List', items: this.nodes(n, 'item').map((e) => this.item(e)), span };
    if (!this.has(n, 'LBrace')) throw new Missing();
    const fields = this.nodes(n, 'fieldInit').map((f) => ({
      name: this.tok(f, 'Identifier').image,
      value: this.expr(this.node(f, 'expr')),
      span: this.span(f),
    }));
    return { kind: 'Record', fields, span };
  }

  /** A list item or tensor dimension: an expression or a `*name` spread. */
  private item(n: CstNode): A.Expr {
    if (!this.has(n, 'Star')) return this.expr(this.node(n, 'expr'));
    return { kind: 'Spread', name: this.tok(n, 'Identifier').image, span: this.span(n) };
  }

  private args(n: CstNode): A.Arg[] {
    return this.nodes(n, 'arg').map((a) => {
      const value = this.expr(this.node(a, 'expr'));
      const name = this.tokens(a, 'name')[0];
      return name ? { name: name.image, value, span: this.span(a) } : { value, span: this.span(a) };
    });
  }
}

/** For each binary level: the CST key of its operator tokens and of its operands. */
const LEVELS: Record<string, [string, string]> = {
  orExpr: ['Or', 'andExpr'],
  andExpr: ['And', 'notExpr'],
  cmpExpr: ['CmpOp', 'addExpr'],
  addExpr: ['AddOp', 'mulExpr'],
  mulExpr: ['MulOp', 'unary'],
};
