// The owner's grant: typed data built in WebAssembly, hashed and signed by viem, against the
// digest and signature the Rust CLI prints and the README's worked example shows.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';

import { getAddress, hashTypedData, recoverTypedDataAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { grantDigest, grantTypedData, permissionId, sessionFromPolicy } from '@stylus-smart-sessions/client';

import { cliJson, example, examplePath, examples, NOW, OWNER_KEY, readmeValue } from './support.js';

const GAME = example('game-session.toml');
const grantArgs = ['grant', examplePath('game-session.toml'), '--now', String(NOW), '--json'];

test("viem hashes the game grant's typed data to the Rust CLI's digest, the README's", () => {
  const typed = grantTypedData(GAME, NOW);
  const digest = hashTypedData(typed);
  const rust = cliJson<{ digest: Hex; permissionId: Hex }>(grantArgs);
  assert.equal(digest, rust.digest);
  assert.equal(digest, readmeValue('digest'));
  // And the module's own hashing, compiled to WebAssembly, agrees.
  assert.equal(grantDigest(GAME, NOW), digest);
  assert.equal(typed.domain.chainId, 421614);
  assert.equal(typed.message.deadline, 1_800_003_600);
  assert.equal(typed.message.nonce, 0n);
});

test("viem's signTypedData with the README's owner key gives the README's and the CLI's signature", async () => {
  const owner = privateKeyToAccount(OWNER_KEY);
  const typed = grantTypedData(GAME, NOW);
  const signature = await owner.signTypedData(typed);
  assert.equal(signature, readmeValue('owner signature'));
  const rust = cliJson<{ ownerSignature: Hex }>([...grantArgs, '--sign'], { OWNER_PRIVATE_KEY: OWNER_KEY });
  assert.equal(signature, rust.ownerSignature);
  assert.equal(await recoverTypedDataAddress({ ...typed, signature }), owner.address);
});

test('the session is typed as viem types it, and viem hashes it to the permissionId', () => {
  const session = sessionFromPolicy(GAME, NOW);
  assert.equal(session.account, getAddress('0xa11cea11cea11cea11cea11cea11cea11cea11ce'));
  assert.equal(session.validAfter, 1_800_000_000);
  assert.equal(session.validUntil, 1_800_007_200);
  assert.equal(session.maxTotalValue, 10n ** 17n);
  assert.equal(session.maxUses, 500n);
  assert.equal(session.actions[0]?.selector, '0x701bd985');
  assert.equal(session.actions[0]?.maxValuePerCall, 10n ** 16n);
  const typed = grantTypedData(GAME, NOW);
  assert.deepEqual(session, typed.message.session);
  // The permissionId is the session's EIP-712 digest under the module's domain.
  const id = hashTypedData({ domain: typed.domain, types: typed.types, primaryType: 'Session', message: session });
  assert.equal(permissionId(GAME, NOW), id);
  assert.equal(id, cliJson<{ permissionId: Hex }>(grantArgs).permissionId);

  // Argument rules (uint16 offset: the argument's word after the selector, uint8 condition),
  // token limits and periods too.
  const periodic = sessionFromPolicy(example('periodic-allowance.toml'), NOW);
  assert.equal(periodic.period, 86_400);
  assert.equal(periodic.validUntil, 1_800_000_000 + 30 * 86_400 - 1);
  assert.deepEqual(
    periodic.argRules.map((rule) => [rule.offset, typeof rule.condition]),
    [[0, 'number'], [32, 'number']],
  );
  assert.equal(periodic.tokenLimits[0]?.maxAmount, 100_000_000n);
});

test("viem hashes every example grant (rules, token limits, periods, signing scopes, P-256 keys) to the CLI's digest", () => {
  const granted = examples('.toml').filter((name) => /^\[grant\]$/m.test(example(name)));
  assert.ok(granted.length >= 5, `examples with a grant: ${granted.join(', ')}`);
  for (const name of granted) {
    const typed = grantTypedData(example(name), NOW);
    const rust = cliJson<{ digest: Hex; permissionId: Hex }>(['grant', examplePath(name), '--now', String(NOW), '--json']);
    assert.equal(hashTypedData(typed), rust.digest, name);
    const session = sessionFromPolicy(example(name), NOW);
    const id = hashTypedData({ domain: typed.domain, types: typed.types, primaryType: 'Session', message: session });
    assert.equal(id, rust.permissionId, name);
  }
});
