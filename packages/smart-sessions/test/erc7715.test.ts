// ERC-7715 permission requests to a policy and back, through the WebAssembly client, against
// the CLI's `permissions from-7715`; the policy object then feeds the grant as text would.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';

import { hashTypedData } from 'viem';

import {
  fromErc7715,
  grantTypedData,
  periodIndex,
  policyToJson,
  toErc7715,
  type PermissionRequest,
  type Policy,
} from '@stylus-smart-sessions/client';

import { cli, cliJson, example, examplePath, MODULE, NOW } from './support.js';

const REQUESTS = example('erc7715-periodic.json');

test('examples/erc7715-periodic.json survives the round trip through a policy (but its justification)', () => {
  const requests = JSON.parse(REQUESTS) as PermissionRequest[];
  const policy = fromErc7715(requests, MODULE);
  const args = ['permissions', 'from-7715', examplePath('erc7715-periodic.json'), '--module', MODULE];
  // No call-limit: as many uses as a u64 holds, which JSON.parse would round; the package keeps
  // it whole, as a bigint.
  const text = cli(args);
  assert.match(text, /"max_uses": 18446744073709551615,/);
  assert.equal(policy.max_uses, 2n ** 64n - 1n);
  const { max_uses: _, ...rest } = policy;
  const { max_uses: __, ...rustRest } = JSON.parse(text) as Policy;
  assert.deepEqual(rest, rustRest);
  assert.equal(policy.period, '86400s');
  assert.equal(policy.valid_after, 1_800_000_000);
  assert.equal(policy.token_limits?.[0]?.max_amount, '100000000');
  assert.deepEqual(fromErc7715(REQUESTS, MODULE), policy, 'the JSON text reads the same');
  assert.equal(policyToJson(policy, 2), text, 'written back as the CLI writes it');

  const back = toErc7715(policy, NOW);
  const asked = structuredClone(requests);
  delete asked[0]?.permission.data['justification'];
  assert.deepEqual(back, asked);
});

test('a policy object from ERC-7715 gives the grant the CLI computes from the same policy', () => {
  const policy = fromErc7715(REQUESTS, MODULE);
  const typed = grantTypedData(policy, NOW);
  assert.equal(typed.message.session.period, 86_400);
  assert.equal(periodIndex(policy, NOW, NOW + 86_400n), 1);
  // The CLI, reading the policy JSON from standard input ('-'), prints the same digest.
  const rust = cliJson<{ digest: string }>(['grant', '-', '--now', String(NOW), '--json'], {}, policyToJson(policy));
  assert.equal(hashTypedData(typed), rust.digest);
});
