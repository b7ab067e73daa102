// What the tests compare against: the repository's examples and README, and the Rust CLI
// (`smart-session`, built from the same client the package compiles to WebAssembly, but
// natively). Nothing is hard-coded that one of these does not also print.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Hex } from 'viem';

/** The repository root (this file runs from packages/smart-sessions/dist-test/). */
export const REPO = resolve(__dirname, '..', '..', '..');

/** "Now" of the README's worked example. */
export const NOW = 1_800_000_000n;

/** The README's owner key (32 bytes of 0x0a) and session key (32 bytes of 0x47). */
export const OWNER_KEY: Hex = `0x${'0a'.repeat(32)}`;
export const SESSION_KEY: Hex = `0x${'47'.repeat(32)}`;

export const MODULE: Hex = '0x5e55105e55105e55105e55105e55105e55105e55';

export function examplePath(name: string): string {
  return join(REPO, 'examples', name);
}

/** The names of the examples ending in `extension`. */
export function examples(extension: string): string[] {
  return readdirSync(join(REPO, 'examples')).filter((name) => name.endsWith(extension)).sort();
}

export function example(name: string): string {
  return readFileSync(examplePath(name), 'utf8');
}

/** The value on the worked example's line `- {label}: \`0x…\`` (docs/grants.md). */
export function readmeValue(label: string): Hex {
  const page = readFileSync(join(REPO, 'docs', 'grants.md'), 'utf8');
  const section = page.slice(page.indexOf('## Worked example\n'));
  const match = new RegExp(`^- ${label}: \`(0x[0-9a-f]+)\``, 'm').exec(section);
  if (!match?.[1]) throw new Error(`docs/grants.md has no worked-example line "- ${label}: \`0x…\`"`);
  return match[1] as Hex;
}

/** The native CLI: SMART_SESSION_CLI, else target/debug/smart-session (`make ts` builds it). */
function cliPath(): string {
  const path = process.env['SMART_SESSION_CLI'] ?? join(REPO, 'target', 'debug', 'smart-session');
  if (!existsSync(path)) {
    throw new Error(`no Rust CLI at ${path}: cargo build -p smart-session (make ts does)`);
  }
  return path;
}

/**
 * The CLI's standard output for `args`, with `env` added (the keys it reads from there) and
 * `input` on its standard input (for a file argument `-`).
 */
export function cli(args: string[], env: Record<string, string> = {}, input = ''): string {
  // The examples start at 1800000000: the CLI's clock is pinned there, so that it never
  // refuses their windows as past, whatever the date.
  const clock = { SMART_SESSION_CLOCK: '1800000000' };
  const options = { env: { ...process.env, ...clock, ...env }, encoding: 'utf8', input } as const;
  return execFileSync(cliPath(), args, options).trim();
}

/** The CLI's `--json` output for `args`, parsed. */
export function cliJson<T = Record<string, unknown>>(
  args: string[],
  env: Record<string, string> = {},
  input = '',
): T {
  return JSON.parse(cli(args, env, input)) as T;
}

/** The CLI's standard error for `args`, which must fail. */
export function cliError(args: string[]): string {
  const env = { ...process.env, SMART_SESSION_CLOCK: '1800000000' };
  const run = spawnSync(cliPath(), args, { encoding: 'utf8', env });
  if (run.status === 0) throw new Error(`the CLI accepted ${args.join(' ')}`);
  return run.stderr.trim();
}
