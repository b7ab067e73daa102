// UserOperation signatures: viem signs the hash the WebAssembly client gives, the client lays
// out the USE and ENABLE signatures, and the result must be the Rust CLI's byte for byte and
// read back by `inspect`.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';

import {
  encodeAbiParameters,
  encodeFunctionData,
  encodePacked,
  getAddress,
  keccak256,
  parseAbi,
  parseAbiParameters,
  parseEther,
  recoverAddress,
  toHex,
  zeroHash,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import {
  enableSignature,
  executeCalldata,
  grantTypedData,
  inspect,
  periodIndex,
  permissionId,
  sessionOpHash,
  useSignature,
} from '@stylus-smart-sessions/client';

import { cli, cliJson, example, examplePath, NOW, OWNER_KEY, SESSION_KEY } from './support.js';

const GAME = example('game-session.toml');
const PERIODIC = example('periodic-allowance.toml');
const sessionKey = privateKeyToAccount(SESSION_KEY);
const userOpHash = keccak256(toHex('a UserOperation'));

/** `sign-userop --json` of the CLI, with the README's session key. */
function signUserop(args: string[]): { signature: Hex; permissionId: Hex; periodIndex: number | null } {
  return cliJson(['sign-userop', '--hash', userOpHash, '--now', String(NOW), '--json', ...args], {
    SESSION_PRIVATE_KEY: SESSION_KEY,
  });
}

test("the examples' session key is the README's key 0x47…47", () => {
  const policy = /session_key = "(0x[0-9a-fA-F]{40})"/.exec(GAME)?.[1];
  assert.equal(getAddress(policy ?? ''), sessionKey.address);
});

test('sessionOpHash is keccak256(abi.encode(userOpHash, permissionId, uint256(periodIndex))) as viem computes it', () => {
  const id = permissionId(GAME, NOW);
  for (const index of [0, 2, 0xffff_ffff]) {
    const expected = keccak256(
      encodeAbiParameters(parseAbiParameters('bytes32, bytes32, uint256'), [userOpHash, id, BigInt(index)]),
    );
    assert.equal(sessionOpHash(userOpHash, id, index), expected);
  }
  assert.equal(sessionOpHash(userOpHash, id), sessionOpHash(userOpHash, id, 0));
});

test("a USE signature signed by viem is the CLI's, and inspect reads back its session and key", async () => {
  const id = permissionId(GAME, NOW);
  assert.equal(periodIndex(GAME, NOW, NOW + 60n), undefined, 'no periods');
  const hash = sessionOpHash(userOpHash, id);
  const keySignature = await sessionKey.sign({ hash });
  const signature = useSignature(id, keySignature);
  const rust = signUserop(['--mode', 'use', '--policy', examplePath('game-session.toml')]);
  assert.equal(rust.permissionId, id);
  assert.equal(signature, rust.signature);

  const explained = inspect(signature);
  assert.equal(explained.kind, 'use-signature');
  assert.equal(explained.proof?.permissionId, id);
  assert.equal(explained.proof?.keyType, 'secp256k1');
  assert.equal(explained.proof?.keySignature, keySignature);
  assert.equal(explained.proof?.periodIndex, null);
  assert.equal(await recoverAddress({ hash, signature: keySignature }), sessionKey.address);
});

test('a periodic session signs and carries the index of the period the operation counts in', async () => {
  const at = NOW + 2n * 86_400n + 1n; // the third day
  const index = periodIndex(PERIODIC, NOW, at);
  assert.equal(index, 2);
  const id = permissionId(PERIODIC, NOW);
  const keySignature = await sessionKey.sign({ hash: sessionOpHash(userOpHash, id, index) });
  const signature = useSignature(id, keySignature, index);
  const rust = signUserop(['--mode', 'use', '--policy', examplePath('periodic-allowance.toml'), '--at', String(at)]);
  assert.equal(rust.periodIndex, 2);
  assert.equal(signature, rust.signature);
  assert.equal(signature.slice(-8), '00000002');
  assert.equal(inspect(signature).proof?.periodIndex, 2);
  assert.throws(() => periodIndex(PERIODIC, NOW, NOW - 1n), /^Error: at: 1799999999 is outside the session's window/);
});

test("an ENABLE signature carrying the owner's viem signature is the CLI's", async () => {
  const owner = privateKeyToAccount(OWNER_KEY);
  const ownerSignature = await owner.signTypedData(grantTypedData(GAME, NOW));
  const id = permissionId(GAME, NOW);
  const keySignature = await sessionKey.sign({ hash: sessionOpHash(userOpHash, id) });
  const signature = enableSignature(GAME, NOW, ownerSignature, keySignature);
  const rust = signUserop([
    '--mode', 'enable', '--policy', examplePath('game-session.toml'), '--owner-signature', ownerSignature,
  ]);
  assert.equal(signature, rust.signature);
  const explained = inspect(signature);
  assert.equal(explained.kind, 'enable-signature');
  assert.equal(explained.proof?.keySignature, keySignature);
});

test("executeCalldata is ERC-7579 execute(mode 0, to ‖ value ‖ data) as viem encodes it, and the CLI's", () => {
  const game = getAddress('0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e');
  const data = encodeFunctionData({ abi: parseAbi(['function move(uint8 x, uint8 y)']), functionName: 'move', args: [3, 4] });
  const value = parseEther('0.01');
  const calldata = executeCalldata({ to: game, value, data });
  const expected = encodeFunctionData({
    abi: parseAbi(['function execute(bytes32 mode, bytes executionCalldata)']),
    functionName: 'execute',
    args: [zeroHash, encodePacked(['address', 'uint256', 'bytes'], [game, value, data])],
  });
  assert.equal(calldata, expected);
  const rust = cli(['calldata', '--to', game, '--value', '0.01 ether', '--function', 'move(uint8,uint8)', '3', '4']);
  assert.equal(calldata, rust);
  assert.equal(inspect(calldata).kind, 'execute');
  // A plain transfer: no data, value in wei.
  const transfer = executeCalldata({ to: game, value: 7n });
  assert.equal(transfer, cli(['calldata', '--to', game, '--value', '7']));
});
