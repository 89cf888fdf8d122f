/**
 * The AST of model sources: a discriminated union on `kind`, every node with its source span.
 *
 * Produced by `parse` (dsl/parser.ts), consumed by the resolver and the elaborator (compiler/). Nothing here knows
 * about BERT: configs, modules, parameters and functions are the whole language.
 */

export interface Span {
  readonly file: string;
  readonly line: number; // 1-based
  readonly col: number; // 1-based
  readonly endLine: number;
  readonly endCol: number; // exclusive
}

export interface Program {
  readonly kind: 'Program';
  readonly file: string;
  readonly decls: readonly Decl[];
}

export type Decl = ConfigDecl | ModuleDecl;

/** `config BertConfig { hidden_size: int = 768 ... }` */
export interface ConfigDecl {
  readonly kind: 'Config';
  readonly name: string;
  readonly fields: readonly ConfigField[];
  readonly span: Span;
}

export interface ConfigField {
  readonly kind: 'ConfigField';
  readonly name: string;
  readonly type: ScalarType;
  readonly default?: Expr;
  readonly span: Span;
}

/** `int`, `float`, `bool`, `str`, a string enum `"absolute" | "relative_key"`, each optionally nullable with `?`. */
export interface ScalarType {
  readonly kind: 'ScalarType';
  readonly name: 'int' | 'float' | 'bool' | 'str';
  readonly choices?: readonly string[];
  readonly optional: boolean;
  readonly span: Span;
}

/** A reference to a declared config type, as the type of a module argument (`c: BertConfig`). */
export interface NamedType {
  readonly kind: 'NamedType';
  readonly name: string;
  readonly span: Span;
}

/** `f32[B, S, c.hidden_size]` */
export interface TensorType {
  readonly kind: 'TensorType';
  readonly dtype: string;
  readonly dims: readonly Expr[];
  readonly span: Span;
}

/** `module Linear(in_features: int, out_features: int, bias: bool = true) { ... }` */
export interface ModuleDecl {
  readonly kind: 'Module';
  readonly name: string;
  readonly params: readonly ModuleParam[];
  readonly members: readonly Member[];
  readonly span: Span;
}

export interface ModuleParam {
  readonly kind: 'ModuleParam';
  readonly name: string;
  readonly type: ScalarType | NamedType;
  readonly default?: Expr;
  readonly span: Span;
}

export type Member = ParamMember | SubMember | LetMember | FnMember | IfMember;

/** `param weight: f32[out_features, in_features] @ "weight"` — names are path segments under the module's prefix. */
export interface ParamMember {
  readonly kind: 'ParamMember';
  readonly name: string;
  readonly type: TensorType;
  /** Checkpoint name segment, then alternative names (`@ "bias" | "decoder.bias"`). */
  readonly names: readonly string[];
  readonly span: Span;
}

/**
 * `sub query: Linear(c.hidden_size, all_head_size) @ "query"`, or an array of submodules
 * `sub layer: BertLayer(c)[c.num_hidden_layers] @ "layer.{i}"`; `{i}` is replaced by the element index.
 * A sub with path `@ ""` shares its parent's prefix.
 */
export interface SubMember {
  readonly kind: 'SubMember';
  readonly name: string;
  readonly module: string;
  readonly args: readonly Arg[];
  readonly count?: Expr;
  readonly path: string;
  readonly span: Span;
}

/** `let head_size = c.hidden_size // c.num_attention_heads` (compile-time constant of the module) */
export interface LetMember {
  readonly kind: 'LetMember';
  readonly name: string;
  readonly value: Expr;
  readonly span: Span;
}

/** `fn forward[B, S](x: f32[B, S, H], mask: i32[B, S] = 1) -> f32[B, S, H] { ... }` */
export interface FnMember {
  readonly kind: 'FnMember';
  readonly name: string;
  /** Symbolic dimensions introduced by the signature (`[B, S]`; a `*batch` entry is listed as `batch`). */
  readonly dims: readonly string[];
  readonly params: readonly FnParam[];
  readonly ret: TensorType | RecordType;
  /** `-> f32[B, H]?`: the function may return none. */
  readonly retOptional?: boolean;
  readonly body: readonly Stmt[];
  readonly span: Span;
}

/** `input_ids: i32[B, S] in 0..c.vocab_size`, `attention_mask: i32[B, S] = 1` or `labels: i32[B]?` */
export interface FnParam {
  readonly kind: 'FnParam';
  readonly name: string;
  /** The declared type; the first of `forms` when there are several. */
  readonly type: TensorType;
  /**
   * `attention_mask: i32[B, S] | i32[B, S, S]`: every form the parameter accepts, each of its own rank. A call
   * takes the form of its argument's rank; an entry input takes the first unless the compile names another.
   */
  readonly forms?: readonly TensorType[];
  /** Scalar fill used when a caller omits the argument. */
  readonly default?: Expr;
  /** Valid integer range [lo, hi) of the values, checked at run time for entry inputs. */
  readonly range?: readonly [Expr, Expr];
  /** `labels: i32[B]?` — may be omitted (or `none`); the body tests `labels != none`. */
  readonly optional?: boolean;
  /**
   * `inputs_embeds: f32[B, S, H]? replaces input_ids` (an optional parameter): when given, the required parameter
   * it names is not (it is none, and giving both is an error), as HF takes input_ids or inputs_embeds.
   */
  readonly replaces?: string;
  readonly span: Span;
}

/** `(last_hidden_state: f32[B, S, H], pooler_output: f32[B, H]?)` — `?` marks fields that may be `none`. */
export interface RecordType {
  readonly kind: 'RecordType';
  readonly fields: readonly { readonly name: string; readonly type: TensorType; readonly optional: boolean; readonly span: Span }[];
  readonly span: Span;
}

/** `if c.position_embedding_type != "absolute" { param ... }` — members that exist only for some configs. */
export interface IfMember {
  readonly kind: 'IfMember';
  readonly cond: Expr;
  readonly then: readonly Member[];
  readonly else: readonly Member[];
  readonly span: Span;
}

export type Stmt = LetStmt | AssignStmt | ForStmt | IfStmt | ReturnStmt | AssertStmt;

export interface LetStmt {
  readonly kind: 'LetStmt';
  readonly name: string;
  readonly type?: TensorType;
  readonly value: Expr;
  readonly span: Span;
}

/** `h = layer[i](h, mask)` — rebinds a name declared by an enclosing `let`. */
export interface AssignStmt {
  readonly kind: 'AssignStmt';
  readonly name: string;
  readonly value: Expr;
  readonly span: Span;
}

/** `for i in 0..c.num_hidden_layers { ... }` — unrolled at compile time; the bounds must be known. */
export interface ForStmt {
  readonly kind: 'ForStmt';
  readonly var: string;
  readonly from: Expr;
  readonly to: Expr;
  readonly body: readonly Stmt[];
  readonly span: Span;
}

/** Compile-time branch: the condition must be known when the graph is built. */
export interface IfStmt {
  readonly kind: 'IfStmt';
  readonly cond: Expr;
  readonly then: readonly Stmt[];
  readonly else: readonly Stmt[];
  readonly span: Span;
}

export interface ReturnStmt {
  readonly kind: 'ReturnStmt';
  readonly value: Expr;
  readonly span: Span;
}

/** `assert S <= c.max_position_embeddings, "sequence longer than max_position_embeddings"` */
export interface AssertStmt {
  readonly kind: 'AssertStmt';
  readonly cond: Expr;
  readonly message: string;
  readonly span: Span;
}

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | NoneLit
  | Ident
  | MemberExpr
  | IndexExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | ListExpr
  | RecordExpr
  | CondExpr
  | SpreadExpr;

export interface NumberLit {
  readonly kind: 'Number';
  readonly value: number;
  /** Written without a dot or exponent (`3` vs `3.0`, `1e-12`). */
  readonly isInt: boolean;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: 'String';
  readonly value: string;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: 'Bool';
  readonly value: boolean;
  readonly span: Span;
}

export interface NoneLit {
  readonly kind: 'None';
  readonly span: Span;
}

export interface Ident {
  readonly kind: 'Ident';
  readonly name: string;
  readonly span: Span;
}

/** `c.hidden_size`, `out.last_hidden_state`, `self_attn.forward` */
export interface MemberExpr {
  readonly kind: 'Member';
  readonly object: Expr;
  readonly name: string;
  readonly span: Span;
}

/** `layer[i]` — indexes an array of submodules or a list. */
export interface IndexExpr {
  readonly kind: 'Index';
  readonly object: Expr;
  readonly index: Expr;
  readonly span: Span;
}

export interface Arg {
  readonly name?: string;
  readonly value: Expr;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: 'Call';
  readonly callee: Expr;
  readonly args: readonly Arg[];
  readonly span: Span;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export interface BinaryExpr {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: 'Unary';
  readonly op: '-' | 'not';
  readonly operand: Expr;
  readonly span: Span;
}

/** `[B, S, nh, hd]` — shapes and permutations. */
export interface ListExpr {
  readonly kind: 'List';
  readonly items: readonly Expr[];
  readonly span: Span;
}

/**
 * `*batch` — any number of dimensions, as one name: in a signature (`fn forward[*batch](x: f32[*batch, n])`) it
 * binds to the leading dims of the argument; in a shape or list (`[*batch, n]`) it expands to them.
 */
export interface SpreadExpr {
  readonly kind: 'Spread';
  readonly name: string;
  readonly span: Span;
}

/** `{ last_hidden_state: h, pooler_output: p }` */
export interface RecordExpr {
  readonly kind: 'Record';
  readonly fields: readonly { readonly name: string; readonly value: Expr; readonly span: Span }[];
  readonly span: Span;
}

/** `a if cond else b` — compile-time choice. */
export interface CondExpr {
  readonly kind: 'Cond';
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
  readonly span: Span;
}
