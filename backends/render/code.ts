/**
 * `code` is a tagged template for generated source text. The template's common indentation is removed (so it can be
 * written indented like the TypeScript around it), and an interpolated value that spans several lines is indented
 * to the column where it is interpolated, so nested blocks come out aligned however deep they are built.
 *
 * @example
 * const body = ['let x = 1;', 'let y = 2;'];
 * code`
 *   fn main() {
 *     ${body}
 *   }
 * `; // "fn main() {\n  let x = 1;\n  let y = 2;\n}"
 */
export function code(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = '';
  strings.forEach((s, i) => {
    out += s;
    if (i >= values.length) return;
    const v = values[i];
    const text = Array.isArray(v) ? v.join('\n') : String(v);
    const lineStart = out.lastIndexOf('\n') + 1;
    const indent = /^[ \t]*$/.test(out.slice(lineStart)) ? out.slice(lineStart) : '';
    out += text.split('\n').map((line, j) => (j === 0 || line === '' ? line : indent + line)).join('\n');
  });
  return dedent(out);
}

/** Removes the first line when blank, trailing blank space, and the smallest indentation of non-blank lines. */
export function dedent(text: string): string {
  const lines = text.replace(/^[ \t]*\n/, '').replace(/\s+$/, '').split('\n');
  const widths = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = widths.length > 0 ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Indents every non-empty line of `text` by `by` spaces. */
export function indent(text: string, by = 2): string {
  const pad = ' '.repeat(by);
  return text.split('\n').map((l) => (l === '' ? l : pad + l)).join('\n');
}
