// Refusals: thrown as Errors with the client's words, naming the field at fault, the same
// words the CLI prints.

import { strict as assert } from 'node:assert';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { zeroHash } from 'viem';

import {
  enableSignature,
  grantTypedData,
  inspect,
  sessionFromPolicy,
  sessionOpHash,
  useSignature,
} from '@stylus-smart-sessions/client';

import { cliError, example, NOW } from './support.js';

const BAD = example('game-session.toml').replace('move(uint8,uint8)', 'move(uint8,bytez[])');

/** The message of the Error `run` throws (anything else thrown fails). */
function thrown(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof Error, `an Error, not ${String(error)}`);
    return error.message;
  }
  assert.fail('nothing thrown');
}

test('a policy with a bad function signature throws an Error naming actions[0].function, as the CLI says', () => {
  const message = thrown(() => grantTypedData(BAD, NOW));
  assert.match(message, /^actions\[0\]\.function: `move\(uint8,bytez\[\]\)`: `bytez\[\]` is no ABI type/);
  assert.equal(thrown(() => sessionFromPolicy(BAD, NOW)), message);
  const dir = mkdtempSync(join(tmpdir(), 'smart-sessions-'));
  const path = join(dir, 'bad.toml');
  writeFileSync(path, BAD);
  assert.equal(cliError(['grant', path, '--now', String(NOW)]), `error: ${path}: ${message}`);
});

test('hex that does not parse is named by its parameter', () => {
  assert.match(thrown(() => sessionOpHash('0x12', zeroHash)), /^userOpHash: `0x12` does not parse/);
  assert.match(thrown(() => useSignature(zeroHash, '0xzz')), /^keySignature: `0xzz` does not parse/);
  assert.match(thrown(() => inspect('0x1234')), /^2 bytes starting 0x1234: not a session signature/);
});

test('a period index that does not fit the session is refused', () => {
  const periodic = example('periodic-allowance.toml');
  const owner = `0x${'11'.repeat(65)}` as const;
  const key = `0x${'22'.repeat(65)}` as const;
  assert.match(thrown(() => enableSignature(periodic, NOW, owner, key)), /^periodIndex: the session has periods of 86400 s/);
  assert.match(
    thrown(() => enableSignature(example('game-session.toml'), NOW, owner, key, 0)),
    /^periodIndex: the session has no periods/,
  );
  assert.throws(() => useSignature(zeroHash, key, -1), RangeError);
  assert.throws(() => sessionOpHash(zeroHash, zeroHash, 2 ** 32), RangeError);
});
