/**
 * `dslc`: the command line. Each command is a thin layer over the compiler pipeline and the runtime; user mistakes
 * (UserError, CompileError) print their message and exit 1, without a stack trace.
 */
import { parseArgs } from 'node:util';
import { isUserError } from '../dsl/errors.ts';
import { bench } from './bench.ts';
import { type Command, COMMANDS as BASE_COMMANDS } from './commands.ts';

const COMMANDS: Readonly<Record<string, Command>> = { ...BASE_COMMANDS, bench };

const USAGE = `dslc — compile model sources written in the dslc language

usage: dslc <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Run 'dslc <command> --help' for a command's options.`;

/**
 * `--compare --fuse none` → `--compare=--fuse none` for the options a command lists in `dashValues` (their values are
 * flags themselves, which parseArgs would otherwise take for options).
 */
function joinDashValues(args: string[], cmd: Command): string[] {
  const dash = new Set((cmd as { dashValues?: readonly string[] }).dashValues ?? []);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (dash.has(a.replace(/^--/, '')) && a.startsWith('--') && i + 1 < args.length) out.push(`${a}=${args[++i]}`);
    else out.push(a);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 1;
  }
  if (name === '--version') {
    console.log('dslc 0.1.0');
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`dslc: unknown command '${name}'\n\n${USAGE}`);
    return 1;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(rest, cmd),  options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`dslc ${name}: ${(e as Error).message}\n\n${cmd.usage}`);
    return 1;
  }
  if (parsed.values['help']) {
    console.log(cmd.usage);
    return 0;
  }
  return await cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (!isUserError(e)) throw e;
  console.error(e.message);
  process.exitCode = 1;
}
