/**
 * Stylus Smart Sessions for TypeScript: policies, grants, UserOperation signatures, calldata
 * and ERC-7715 requests, built by the Rust client (`crates/smart-session`) compiled to
 * WebAssembly — the same code the CLI runs and the module's tests check — and typed for viem.
 *
 * Nothing here signs or holds a key: sign the typed data and hashes it returns with viem
 * (`account.signTypedData`, `account.sign({ hash })`), then put the signatures together here.
 *
 * A policy is the CLI's policy file: TOML text, JSON text, or a {@link Policy} object.
 * Refusals are thrown as `Error`s whose message is the client's, naming the field at fault
 * (`actions[0].function: …`).
 *
 * @packageDocumentation
 */

import type { Address, Hex } from 'viem';

import * as wasm from '../wasm/smart_session_wasm.js';

// ---------------------------------------------------------------------------------------------
// Types

/** A unix time in seconds. */
export type Seconds = bigint | number;

/**
 * A Rust `u64` in a policy: a `number` when it is a safe integer, else a `bigint` (the package
 * reads and writes policy JSON without rounding, where `JSON.parse` would).
 */
export type U64 = number | bigint;

/** How a session key signs: the policy's `key_type` keywords. */
export type KeyTypeName = 'secp256k1' | 'p256' | 'webauthn' | 'webauthn-uv' | 'multisig';

/** A policy file as JSON: what `smart-session grant` reads (see examples/ and the README). */
export interface Policy {
  chain_id: U64;
  module: Address;
  account: Address;
  /** secp256k1: the key's address; P-256 and WebAuthn: its public key. */
  session_key?: Hex;
  signers?: Address[];
  threshold?: number;
  key_type?: KeyTypeName;
  valid_after?: U64;
  /** `"2h"`, `"30days"`. */
  valid_for?: string;
  valid_until?: U64;
  /** `"1day"`: limits count per period. */
  period?: string;
  /** `"0.1 ether"`, `"5000 gwei"`, or wei. */
  max_total_value?: string;
  max_gas_cost_per_op?: string;
  paymasters?: Address[];
  /** `u64::MAX` (what ERC-7715 without a `call-limit` asks for) comes back as a `bigint`. */
  max_uses: U64;
  salt?: Hex;
  actions?: ActionPolicy[];
  token_limits?: TokenLimitPolicy[];
  signing?: SigningPolicy[];
  grant?: GrantPolicy;
}

/** An allowed call in a {@link Policy}. */
export interface ActionPolicy {
  target: Address;
  /** `"move(uint8,uint8)"`; absent: plain transfers. */
  function?: string;
  max_value_per_call?: string;
  /** Argument conditions: `{ arg: 1, le: "100" }`. */
  rules?: Array<{ arg?: number; offset?: number } & Record<string, string | number | boolean>>;
}

/** An ERC-20 budget in a {@link Policy}. */
export interface TokenLimitPolicy {
  token: Address;
  max_amount: string;
  decimals?: number;
  /** `"transfer"`, `"approve"`. */
  allow?: string[];
}

/** A signing scope in a {@link Policy}. */
export interface SigningPolicy {
  app_domain?: Hex;
  contents_type?: string;
  personal?: boolean;
}

/** The owner's grant in a {@link Policy}. */
export interface GrantPolicy {
  nonce?: U64;
  /** How long after "now" the grant may enable the session: `"1h"`. */
  valid_for: string;
}

/**
 * The module's `Session`, as viem types its EIP-712 fields (abitype: `uint48` and smaller as
 * `number`, wider integers as `bigint`). A type alias, not an interface, so that it passes
 * where viem takes a message (`Record<string, unknown>`).
 */
export type Session = {
  account: Address;
  keyType: number;
  key: Hex;
  validAfter: number;
  validUntil: number;
  period: number;
  actions: Array<{ target: Address; selector: Hex; maxValuePerCall: bigint }>;
  argRules: Array<{ target: Address; selector: Hex; offset: number; condition: number; value: Hex }>;
  signing: Array<{ appDomain: Hex; contentsType: Hex }>;
  tokenLimits: Array<{ token: Address; maxAmount: bigint }>;
  paymasters: Address[];
  maxTotalValue: bigint;
  maxGasCostPerOp: bigint;
  maxUses: bigint;
  salt: Hex;
};

/** EIP-712 struct definitions, as viem takes them. */
export type TypedDataTypes = Record<string, Array<{ name: string; type: string }>>;

/**
 * The owner's grant as typed data for viem's `signTypedData` / `hashTypedData` (viem adds
 * `EIP712Domain` itself, from the domain).
 */
export interface SessionGrantTypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  types: TypedDataTypes;
  primaryType: 'SessionGrant';
  message: { session: Session; nonce: bigint; deadline: number };
}

/** One ERC-7715 `wallet_requestExecutionPermissions` request. */
export interface PermissionRequest {
  chainId: Hex;
  from?: Address;
  to: Address;
  permission: { type: string; isAdjustmentAllowed?: boolean; data: Record<string, unknown> };
  rules?: Array<{ type: string; data: Record<string, unknown>; isAdjustmentAllowed?: boolean }>;
}

/** A UserOperation signature's key proof, as {@link inspect} reads it. */
export interface KeyProof {
  permissionId?: Hex;
  keyType: KeyTypeName;
  keySignature: Hex;
  /** P-256 and WebAuthn keys: the public key the signature carries, and its id. */
  publicKey?: Hex;
  keyId?: Address;
  /** The period index, `null` for a session without periods. */
  periodIndex: number | null;
}

/** What {@link inspect} made of some bytes. */
export interface Explanation {
  kind:
    | 'use-signature'
    | 'enable-signature'
    | 'execute'
    | 'module-call'
    | 'module-error'
    | 'validation-data'
    | 'session-signature';
  /** One line per fact, indented for nesting. */
  lines: string[];
  /** For a UserOperation signature. */
  proof?: KeyProof;
}

// ---------------------------------------------------------------------------------------------
// Conversions at the boundary

/** Marks a big integer inside a JSON string while it crosses `JSON.parse`/`JSON.stringify`. */
const BIG = '\u0000bigint:';

/**
 * `JSON.parse`, but an integer beyond `Number.MAX_SAFE_INTEGER` (a `u64` such as `max_uses`)
 * becomes a `bigint` instead of a rounded `number`.
 */
function parseJson(text: string): unknown {
  let marked = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      // Skip the string, escapes included.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && /[0-9eE+.\-]/.test(text[end]!)) end++;
      const token = text.slice(i, end);
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        marked += `${text.slice(start, i)}"${JSON.stringify(BIG).slice(1, -1)}${token}"`;
        start = end;
      }
      i = end - 1;
    }
  }
  marked += text.slice(start);
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(BIG) ? BigInt(value.slice(BIG.length)) : value,
  );
}

/** `JSON.stringify`, writing a `bigint` as the integer it is. */
function stringifyJson(value: unknown, indent?: number): string {
  const marked = JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === 'bigint' ? `${BIG}${item}` : item),
    indent,
  );
  const mark = JSON.stringify(BIG).slice(1, -1).replace(/\\/g, '\\\\');
  return marked.replace(new RegExp(`"${mark}(-?\\d+)"`, 'g'), '$1');
}

function policyText(policy: string | Policy): string {
  return typeof policy === 'string' ? policy : stringifyJson(policy);
}

function seconds(name: string, value: Seconds): bigint {
  const big = BigInt(value);
  if (big < 0n || big >= 1n << 64n) throw new RangeError(`${name}: ${value} is not a u64`);
  return big;
}

function u32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${name}: ${value} is not a u32`);
  }
  return value;
}

/** The SessionGrant's EIP-712 types, from the Rust `sol!` definitions (read once). */
let grantTypes: TypedDataTypes | undefined;
function sessionGrantTypes(): TypedDataTypes {
  grantTypes ??= JSON.parse(wasm.sessionGrantTypes()) as TypedDataTypes;
  return grantTypes;
}

/**
 * `value` (JSON from Rust: integers as decimal strings) as viem types an EIP-712 value of
 * `type`: `uintN`/`intN` up to 48 bits as `number`, wider as `bigint`; structs and arrays
 * field by field.
 */
function revive(types: TypedDataTypes, type: string, value: unknown): unknown {
  if (type.endsWith(']')) {
    const element = type.slice(0, type.lastIndexOf('['));
    return (value as unknown[]).map((item) => revive(types, element, item));
  }
  const fields = types[type];
  if (fields) {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(fields.map((f) => [f.name, revive(types, f.type, object[f.name])]));
  }
  const integer = /^u?int(\d*)$/.exec(type);
  if (integer) {
    const bits = Number(integer[1] || 256);
    return bits <= 48 ? Number(value) : BigInt(value as string | number);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The API

/**
 * The session a policy describes, starting at `now` unless the policy says `valid_after`.
 */
export function sessionFromPolicy(policy: string | Policy, now: Seconds): Session {
  const json: unknown = JSON.parse(wasm.sessionFromPolicy(policyText(policy), seconds('now', now)));
  return revive(sessionGrantTypes(), 'Session', json) as Session;
}

/** The session's permissionId under the policy's chain and module. */
export function permissionId(policy: string | Policy, now: Seconds): Hex {
  return wasm.permissionId(policyText(policy), seconds('now', now)) as Hex;
}

/**
 * The owner's grant of the policy's session as typed data, for viem's `signTypedData`: the
 * nonce from the policy's `grant` table, the deadline `grant.valid_for` after `now`.
 */
export function grantTypedData(policy: string | Policy, now: Seconds): SessionGrantTypedData {
  const typed = JSON.parse(wasm.grantTypedData(policyText(policy), seconds('now', now))) as {
    domain: { name: string; version: string; chainId: string; verifyingContract: Address };
    types: TypedDataTypes;
    message: unknown;
  };
  const { EIP712Domain: _, ...types } = typed.types;
  return {
    domain: {
      name: typed.domain.name,
      version: typed.domain.version,
      chainId: Number(BigInt(typed.domain.chainId)),
      verifyingContract: typed.domain.verifyingContract,
    },
    types,
    primaryType: 'SessionGrant',
    message: revive(types, 'SessionGrant', typed.message) as SessionGrantTypedData['message'],
  };
}

/** The digest the owner signs for the policy's grant, as the module computes it. */
export function grantDigest(policy: string | Policy, now: Seconds): Hex {
  return wasm.grantDigest(policyText(policy), seconds('now', now)) as Hex;
}

/**
 * The index of the period second `at` falls in, for a session with periods (`undefined`
 * without): what {@link sessionOpHash} and the signatures take.
 */
export function periodIndex(policy: string | Policy, now: Seconds, at: Seconds): number | undefined {
  return wasm.periodIndex(policyText(policy), seconds('now', now), seconds('at', at));
}

/**
 * What the session key signs for a UserOperation, as a raw hash (viem: `account.sign({ hash })`):
 * `keccak256(abi.encode(userOpHash, permissionId, uint256(periodIndex)))`.
 */
export function sessionOpHash(userOpHash: Hex, permissionId: Hex, periodIndex = 0): Hex {
  return wasm.sessionOpHash(userOpHash, permissionId, u32('periodIndex', periodIndex)) as Hex;
}

/**
 * The USE-mode UserOperation signature: `0x00 ‖ permissionId ‖ keySignature`, then, for a
 * session with periods, `periodIndex` (4 bytes).
 */
export function useSignature(permissionId: Hex, keySignature: Hex, periodIndex?: number): Hex {
  const index = periodIndex === undefined ? undefined : u32('periodIndex', periodIndex);
  return wasm.useSignature(permissionId, keySignature, index) as Hex;
}

/**
 * The ENABLE-mode UserOperation signature: the policy's grant made at `now`, the owner's
 * signature of it as the account's ERC-1271 takes it (prefix included), and the session key's
 * signature of {@link sessionOpHash} (with `periodIndex` for a session with periods).
 */
export function enableSignature(
  policy: string | Policy,
  now: Seconds,
  ownerSignature: Hex,
  keySignature: Hex,
  periodIndex?: number,
): Hex {
  const index = periodIndex === undefined ? undefined : u32('periodIndex', periodIndex);
  const text = policyText(policy);
  return wasm.enableSignature(text, seconds('now', now), ownerSignature, keySignature, index) as Hex;
}

/** The account's ERC-7579 `execute` calldata for one call. */
export function executeCalldata(call: { to: Address; value?: bigint; data?: Hex }): Hex {
  const value = call.value ?? 0n;
  if (value < 0n) throw new RangeError(`value: ${value} is negative`);
  return wasm.executeCalldata(call.to, value.toString(), call.data ?? '0x') as Hex;
}

/**
 * A policy as JSON text, for a file or the CLI (`smart-session grant policy.json`): like
 * `JSON.stringify`, but a `bigint` (a `u64` beyond `Number.MAX_SAFE_INTEGER`) is written as
 * the integer it is.
 */
export function policyToJson(policy: Policy, indent?: number): string {
  return stringifyJson(policy, indent);
}

/**
 * The policy an ERC-7715 request array asks for on `module` (with a one-hour grant under the
 * account's first grant nonce, as the CLI's `permissions from-7715` writes it). The older
 * `wallet_grantPermissions` shape is read too.
 */
export function fromErc7715(requests: readonly PermissionRequest[] | string, module: Address): Policy {
  const text = typeof requests === 'string' ? requests : stringifyJson(requests);
  return parseJson(wasm.fromErc7715(text, module)) as Policy;
}

/** The ERC-7715 request array that asks for the policy's session, starting at `now`. */
export function toErc7715(policy: string | Policy, now: Seconds): PermissionRequest[] {
  return parseJson(wasm.toErc7715(policyText(policy), seconds('now', now))) as PermissionRequest[];
}

/**
 * Any of the module's encodings explained: a UserOperation signature (its permissionId, key
 * type and period index), `execute` calldata, a module call or its revert data, validation
 * data, or an ERC-1271 session signature.
 */
export function inspect(hex: Hex): Explanation {
  return JSON.parse(wasm.inspect(hex)) as Explanation;
}
