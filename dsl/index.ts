/**
 * The front end of dslc: `parse` / `parseOrThrow` turn a model source into the AST of dsl/ast.ts, reporting problems
 * as diagnostics (dsl/diagnostics.ts).
 */
export { parse, parseOrThrow } from './parser.ts';
export { tokenize } from './lexer.ts';
export type * from './ast.ts';
export { CompileError, DiagnosticError, diagnostic, formatDiagnostic, formatDiagnostics, spanFrom, type Diagnostic } from './diagnostics.ts';
export { UserError, isUserError } from './errors.ts';
