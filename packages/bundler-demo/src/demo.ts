// The 2-hour game session as a dApp plays it, through a real ERC-4337 bundler: Alice's account
// (OpenZeppelin's AccountERC7579, from a factory) is created and installs the module by her first
// UserOperation, she signs the
// grant off-chain, the game frontend's key sends its moves with `eth_sendUserOperation` to
// Alto, and the bundler refuses what the session does not allow, with the module's own errors.
// Every outcome is asserted; the transcript is printed as `make demo` prints its own.
//
// Needs the local Stylus node (`make node`) and Alto (this package's dependency); `make
// bundler-demo` starts both. Settings: NODE_URL (http://127.0.0.1:8547), ALTO_PORT (a free one),
// MODULE (the node's module address), EVM_OUT (forge's artifacts, target/evm/out).

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

import {
  concat,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeAbiParameters,
  encodeFunctionData,
  http,
  keccak256,
  pad,
  parseAbi,
  parseEther,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import {
  entryPoint07Abi,
  entryPoint07Address,
  getUserOperationHash,
  toSmartAccount,
  type SmartAccount,
} from 'viem/account-abstraction';

/** One call of a UserOperation. */
type Call = { to: Address; value?: bigint; data?: Hex };
import { createSmartAccountClient } from 'permissionless';
import { createPimlicoClient } from 'permissionless/clients/pimlico';

import {
  enableSignature,
  executeCalldata,
  grantDigest,
  inspect,
  permissionId,
  sessionOpHash,
  useSignature,
  type Policy,
} from '@stylus-smart-sessions/client';

const NODE_URL = process.env.NODE_URL ?? 'http://127.0.0.1:8547';
let ALTO_PORT = Number(process.env.ALTO_PORT ?? 0);
let ALTO_URL = '';
const MODULE = (process.env.MODULE ?? '0x00000000000000000000000000000000005E5510') as Address;
const EVM_OUT = process.env.EVM_OUT ?? join(__dirname, '../../../target/evm/out');

// anvil's first dev keys (the node funds them): a deployer, Alto's executor and utility keys,
// then Alice (the account's owner) and the game frontend's session key, unfunded.
const DEPLOYER_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const EXECUTOR_KEY: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const UTILITY_KEY: Hex = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';
const ALICE = privateKeyToAccount(pad('0x0a', { size: 32 }));
const FRONTEND = privateKeyToAccount(pad('0x47', { size: 32 }));
const STRANGER = privateKeyToAccount(pad('0x99', { size: 32 }));

const GAME_ABI = parseAbi([
  'function move(uint8 x, uint8 y) payable',
  'function claimPrize()',
  'function moves(address player) view returns (uint256)',
]);
const FACTORY_ABI = parseAbi([
  'function createAccount(address owner, uint256 salt) returns (address)',
  'function getAddress(address owner, uint256 salt) view returns (address)',
]);
const ACCOUNT_ABI = parseAbi(['function installModule(uint256 moduleTypeId, address module, bytes initData)']);

/** A forge artifact's creation code. */
function creationCode(file: string, contract: string): Hex {
  const artifact = JSON.parse(readFileSync(join(EVM_OUT, file, `${contract}.json`), 'utf8'));
  return artifact.bytecode.object as Hex;
}

/** Where npm put Alto (its package exports none of the files used here). */
const ALTO_DIR = join(__dirname, '..', 'node_modules', '@pimlico', 'alto');

/** Alto's own artifact (its simulation contracts). */
function altoCode(contract: string, name: string): Hex {
  const path = join(ALTO_DIR, 'esm', 'contracts', contract, `${name}.json`);
  return JSON.parse(readFileSync(path, 'utf8')).bytecode.object as Hex;
}

/** One line of the transcript: a step and what became of it. */
function step(n: number, what: string, outcome: string): void {
  console.log(`${`${n}. ${what}`.padEnd(58)} ${outcome}`);
}

/** The module's error in a bundler's refusal, named by the client's `inspect`. */
function refusal(error: unknown): string {
  const text = String((error as { details?: string }).details ?? (error as Error).message);
  const revert = /0x[0-9a-fA-F]{8,}/.exec(text)?.[0] as Hex | undefined;
  // The EntryPoint's reason ("AA23 reverted", "AA24 signature error"), without the revert data
  // Alto appends to it.
  const aa = /AA\d\d[^"\n]*?(?= 0x|$|")/m.exec(text)?.[0]?.trim();
  if (revert) {
    try {
      const explained = inspect(revert);
      if (explained.kind === 'module-error') {
        const name = /refused: (\w+)/.exec(explained.lines[0] ?? '')?.[1] ?? explained.lines[0];
        return `${aa ?? 'reverted'} — ${name}(..)`;
      }
    } catch {
      // not the module's error: the bundler's text says what it is
    }
  }
  return aa ?? text.split('\n')[0] ?? text;
}

/** A port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  if (ALTO_PORT === 0) ALTO_PORT = await freePort();
  ALTO_URL = `http://127.0.0.1:${ALTO_PORT}`;
  const probe = createPublicClient({ transport: http(NODE_URL) });
  const chainId = await probe.getChainId();
  const chain = defineChain({
    id: chainId,
    name: 'local Stylus node',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [NODE_URL] } },
  });
  const client = createPublicClient({ chain, transport: http(NODE_URL) }) as PublicClient;
  const deployer = createWalletClient({ chain, transport: http(NODE_URL), account: privateKeyToAccount(DEPLOYER_KEY) });
  const code = await client.getCode({ address: MODULE });
  assert.ok(code && code.startsWith('0xeff000'), `no Stylus module at ${MODULE}: start the node first (make node)`);
  assert.ok(await client.getCode({ address: entryPoint07Address }), 'no EntryPoint v0.7 at its canonical address');

  const deploy = async (bytecode: Hex, args: Hex = '0x'): Promise<Address> => {
    const hash = await deployer.sendTransaction({ data: concat([bytecode, args]), chain });
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    return receipt.contractAddress as Address;
  };
  // Alto's simulation contracts, deployed as plain contracts (Alto would use the CREATE2
  // deployer; see shared notes) and named on its command line.
  const pimlicoSimulations = await deploy(altoCode('PimlicoSimulations.sol', 'PimlicoSimulations'));
  const entryPointSimulations = await deploy(altoCode('EntryPointSimulations.sol', 'EntryPointSimulations07'));
  const alto = startAlto(pimlicoSimulations, entryPointSimulations);
  try {
    await play(chain, client, deploy);
  } finally {
    alto.kill();
  }
}

function startAlto(pimlicoSimulations: Address, entryPointSimulations: Address): ChildProcess {
  const args = [
    '--entrypoints', entryPoint07Address,
    '--executor-private-keys', EXECUTOR_KEY,
    '--utility-private-key', UTILITY_KEY,
    '--rpc-url', NODE_URL,
    '--port', String(ALTO_PORT),
    '--deploy-simulations-contract', 'false',
    '--pimlico-simulation-contract', pimlicoSimulations,
    '--entrypoint-simulation-contract-v7', entryPointSimulations,
    // Safe mode traces validation with geth's JavaScript tracer (debug_traceCall), which the
    // node does not serve: the ERC-7562 checks run in the node's own tests instead.
    '--safe-mode', 'false',
    '--code-override-support', 'false',
    '--balance-override', 'false',
    '--bundle-mode', 'auto',
    // Its own log would report the refusals below as errors: quiet unless asked.
    '--log-level', process.env.ALTO_LOG_LEVEL ?? 'fatal',
  ];
  const cli = join(ALTO_DIR, 'esm', 'cli', 'alto.js');
  const alto: ChildProcess = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  alto.on('exit', (status: number | null) => {
    if (status !== null && status !== 0) console.error(`alto exited with ${status}`);
  });
  return alto;
}

/** Waits until Alto answers. */
async function altoReady(): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const response = await fetch(ALTO_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_supportedEntryPoints', params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Alto did not start on ${ALTO_URL}`);
}

/**
 * Alice's account as viem and permissionless see it, signing as `signer` does: the owner's
 * validator (OpenZeppelin's account picks the validator from the nonce key's top 20 bytes) or
 * the session, whose signature `sign` lays out from the EntryPoint's hash.
 */
async function accountSignedBy(
  client: PublicClient,
  address: Address,
  factory: { factory: Address; factoryData: Hex },
  validator: Address,
  sign: (userOpHash: Hex) => Promise<Hex>,
  stub: Hex,
): Promise<SmartAccount> {
  const key = BigInt(validator) << 32n;
  return toSmartAccount({
    client,
    entryPoint: { abi: entryPoint07Abi, address: entryPoint07Address, version: '0.7' },
    async getAddress() {
      return address;
    },
    async encodeCalls(calls) {
      const [call] = calls;
      assert.ok(call && calls.length === 1, 'one call an operation');
      return executeCalldata({ to: call.to, value: call.value ?? 0n, data: call.data ?? '0x' });
    },
    // Used while the account has no code: its first operation creates it (initCode).
    async getFactoryArgs() {
      return factory;
    },
    async getNonce() {
      return client.readContract({
        address: entryPoint07Address,
        abi: entryPoint07Abi,
        functionName: 'getNonce',
        args: [address, key],
      });
    },
    async getStubSignature() {
      return stub;
    },
    async signMessage() {
      throw new Error('not used by the demo');
    },
    async signTypedData() {
      throw new Error('not used by the demo');
    },
    async signUserOperation(operation) {
      const userOpHash = getUserOperationHash({
        userOperation: { ...operation, sender: address },
        entryPointAddress: entryPoint07Address,
        entryPointVersion: '0.7',
        chainId: client.chain!.id,
      });
      return sign(userOpHash);
    },
  });
}

async function play(
  chain: ReturnType<typeof defineChain>,
  client: PublicClient,
  deploy: (bytecode: Hex, args?: Hex) => Promise<Address>,
): Promise<void> {
  await altoReady();
  const ownerValidator = await deploy(creationCode('OwnerValidator.sol', 'OwnerValidator'));
  const game = await deploy(creationCode('Game.sol', 'Game'));
  // Alice's account is counterfactual: the factory says where it will be, it is funded there,
  // and her first UserOperation creates it.
  const factory = await deploy(
    creationCode('SessionAccountFactory.sol', 'SessionAccountFactory'),
    encodeAbiParameters([{ type: 'address' }, { type: 'address' }], [entryPoint07Address, ownerValidator]),
  );
  const account = await client.readContract({ address: factory, abi: FACTORY_ABI, functionName: 'getAddress', args: [ALICE.address, 0n] });
  const factoryArgs = {
    factory,
    factoryData: encodeFunctionData({ abi: FACTORY_ABI, functionName: 'createAccount', args: [ALICE.address, 0n] }),
  };
  assert.equal(await client.getCode({ address: account }), undefined, 'no account yet');
  const funder = createWalletClient({ chain, transport: http(NODE_URL), account: privateKeyToAccount(DEPLOYER_KEY) });
  await client.waitForTransactionReceipt({ hash: await funder.sendTransaction({ to: account, value: parseEther('1'), chain }) });

  console.log('Stylus Smart Sessions: the 2-hour game session through the Alto bundler\n');
  console.log(`node            ${NODE_URL} (chain ${chain.id})`);
  console.log(`bundler         ${ALTO_URL} (Alto, EntryPoint v0.7 ${entryPoint07Address})`);
  console.log(`module          ${MODULE}`);
  console.log(`alice's account ${account} (OpenZeppelin AccountERC7579, owner ${ALICE.address})`);
  console.log(`game            ${game}`);
  console.log(`frontend key    ${FRONTEND.address}\n`);

  const pimlico = createPimlicoClient({
    transport: http(ALTO_URL),
    entryPoint: { address: entryPoint07Address, version: '0.7' },
  });
  /**
   * Sends one call as `smartAccount`'s UserOperation through Alto, waits for the bundle; the
   * gas the EntryPoint charged it, or `undefined` when the call reverted.
   */
  const send = async (smartAccount: SmartAccount, call: Call): Promise<bigint | undefined> => {
    const bundler = createSmartAccountClient({
      account: smartAccount,
      chain,
      client,
      bundlerTransport: http(ALTO_URL),
      userOperation: { estimateFeesPerGas: async () => (await pimlico.getUserOperationGasPrice()).fast },
    });
    const hash = await bundler.sendUserOperation({ calls: [call] });
    const receipt = await bundler.waitForUserOperationReceipt({ hash });
    return receipt.success ? receipt.actualGasUsed : undefined;
  };
  // The stub signature the bundler estimates gas with: a well-formed signature by a key that
  // is no one's, so validation walks the real path (ecrecover included) and fails only at the
  // comparison. A malformed stub skips ecrecover, and the estimate falls short by its 3,000 gas.
  const dummy = await privateKeyToAccount(pad('0x01', { size: 32 })).sign({ hash: keccak256(toHex('stub')) });

  // 1. Alice's own operation installs the module.
  const asAlice = await accountSignedBy(client, account, factoryArgs, ownerValidator, (hash) => ALICE.sign({ hash }), dummy);
  const install = encodeFunctionData({ abi: ACCOUNT_ABI, functionName: 'installModule', args: [1n, MODULE, '0x'] });
  const executed = (gas: bigint | undefined) => {
    assert.ok(gas !== undefined, 'the operation executed');
    return `executed [${gas} gas]`;
  };
  const created = executed(await send(asAlice, { to: account, data: install }));
  assert.notEqual(await client.getCode({ address: account }), undefined, 'the account exists');
  step(1, "Alice's first UserOperation deploys her account + module", created);

  // 2. Alice signs the grant: ERC-1271 through her account, so her validator's address first.
  const now = (await client.getBlock()).timestamp;
  const policy: Policy = {
    chain_id: chain.id,
    module: MODULE,
    account,
    session_key: FRONTEND.address,
    valid_for: '2h',
    max_total_value: '0.1 ether',
    max_gas_cost_per_op: '0.01 ether',
    max_uses: 500,
    actions: [{ target: game, function: 'move(uint8,uint8)', max_value_per_call: '0.01 ether' }],
    grant: { nonce: 0, valid_for: '1h' },
  };
  const digest = grantDigest(policy, now);
  const ownerSignature = concat([ownerValidator, await ALICE.sign({ hash: digest })]);
  const id = permissionId(policy, now);
  step(2, 'Alice signs the grant off-chain (no transaction)', `digest ${digest.slice(0, 10)}…`);

  // The frontend's account view: ENABLE for its first operation, USE after.
  let enabled = false;
  const sessionSign = (key: PrivateKeyAccount) => async (userOpHash: Hex) => {
    const keySignature = await key.sign({ hash: sessionOpHash(userOpHash, id) });
    return enabled ? useSignature(id, keySignature) : enableSignature(policy, now, ownerSignature, keySignature);
  };
  const stub = () => (enabled ? useSignature(id, dummy) : enableSignature(policy, now, ownerSignature, dummy));
  const frontend = (key: PrivateKeyAccount) =>
    accountSignedBy(client, account, factoryArgs, MODULE, sessionSign(key), stub());
  const move = (x: number, value: bigint): Call => ({
    to: game,
    value,
    data: encodeFunctionData({ abi: GAME_ABI, functionName: 'move', args: [x, x] }),
  });
  const moves = () => client.readContract({ address: game, abi: GAME_ABI, functionName: 'moves', args: [account] });

  // 3. The first move enables the session (ENABLE mode) inside the operation.
  const enabling = executed(await send(await frontend(FRONTEND), move(1, parseEther('0.01'))));
  assert.equal(await moves(), 1n);
  enabled = true;
  step(3, "frontend's first move enables the session (ENABLE)", enabling);

  // 4. A move in USE mode.
  const moved = executed(await send(await frontend(FRONTEND), move(2, parseEther('0.01'))));
  assert.equal(await moves(), 2n);
  step(4, 'frontend moves, 0.01 ETH', moved);

  // 5–8. What the session does not allow: the bundler refuses each at eth_sendUserOperation.
  const refused = async (n: number, what: string, send: () => Promise<unknown>, expected: RegExp) => {
    const error = await send().then(
      () => assert.fail(`${what}: the bundler accepted it`),
      (error: unknown) => error,
    );
    const reason = refusal(error);
    assert.match(reason, expected, `${what}: ${reason}`);
    step(n, what, `refused: ${reason}`);
  };
  const claim: Call = { to: game, data: encodeFunctionData({ abi: GAME_ABI, functionName: 'claimPrize' }) };
  await refused(5, 'frontend calls claimPrize() on the game', async () => send(await frontend(FRONTEND), claim), /^AA23 reverted — ActionNotAllowed/);
  await refused(6, 'frontend moves with 0.02 ETH', async () => send(await frontend(FRONTEND), move(3, parseEther('0.02'))), /^AA23 reverted — CallValueAboveLimit/);
  await refused(7, 'another key signs a move', async () => send(await frontend(STRANGER), move(3, 0n)), /^AA24 signature error$/);
  await client.request({ method: 'evm_increaseTime' as never, params: [2 * 3600 + 1] as never });
  await client.request({ method: 'evm_mine' as never, params: [] as never });
  await refused(8, 'frontend moves 2 hours and 1 second in', async () => send(await frontend(FRONTEND), move(3, 0n)), /^AA22 expired or not due$/);

  assert.equal(await moves(), 2n);
  console.log(`\ngame moves by alice's account: ${await moves()}`);
  console.log('(gas: what the EntryPoint charged each UserOperation, Alto bundling them on the local Stylus node)');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
