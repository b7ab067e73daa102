//! The module's whole ABI in one `sol!` definition: the structs it signs, stores and returns,
//! and the `ISmartSessions` interface with every function, event and custom error.
//!
//! The contract dispatches on these selectors, the tests encode calls and decode results with
//! these types, and `make abi` prints the Solidity interface and JSON ABI from them, so a
//! selector, an encoding or an EIP-712 type hash cannot drift between them.

#![allow(missing_docs)]

use alloc::vec::Vec;

use alloy_primitives::{aliases::U48, B256, U256};
use alloy_sol_types::{sol, SolError};

use crate::codec::{address_word, bytes4_word, joined, uint_word, word_bytes};

sol! {
    #![sol(all_derives)]

    /// One call a session may make: `selector` on `target`, sending at most
    /// `maxValuePerCall` wei. `selector == 0x00000000` allows a plain ether transfer (empty
    /// call data) to `target`; call data starting with four zero bytes is never allowed.
    struct Action {
        address target;
        bytes4 selector;
        uint256 maxValuePerCall;
    }

    /// A condition on one 32-byte word of the arguments of the calls an action allows: every
    /// rule of an action must hold for each of its calls.
    struct ArgRule {
        /// The action (`target`, `selector`) the rule constrains; the session must list it.
        address target;
        bytes4 selector;
        /// Where the word starts in the call's arguments, after the 4-byte selector: `32 × i`
        /// for the `i`-th static argument. A call too short to hold the word breaks the rule.
        uint16 offset;
        /// `0` = equal, `1` = less or equal, `2` = greater or equal, `3` = not equal; the word
        /// and `value` compared as `uint256`.
        uint8 condition;
        bytes32 value;
    }

    /// What a session may sign for the account (ERC-1271, through ERC-7739's nested typed
    /// data): typed data of one app, or personal messages.
    struct SigningScope {
        /// The app's EIP-712 domain separator; `bytes32(0)` = personal messages (ERC-7739
        /// `PersonalSign`).
        bytes32 appDomain;
        /// The typed data's EIP-712 type hash (`keccak256` of the primary type's `encodeType`);
        /// `bytes32(0)` = any type of this app. Zero for personal messages.
        bytes32 contentsType;
    }

    /// How much of one ERC-20 token a session may move over all its uses (per period with
    /// periods): the amounts of its `transfer(address,uint256)` and
    /// `approve(address,uint256)` calls on `token`, summed.
    struct TokenLimit {
        address token;
        uint256 maxAmount;
    }

    /// A scoped, time-boxed permission for a session key to act for `account`.
    /// Its EIP-712 hash under the module's domain is the session's `permissionId`.
    struct Session {
        /// The smart account the session acts for.
        address account;
        /// How `key` is read and signatures checked: `0` = secp256k1 (`r ‖ s ‖ v`, 65 bytes),
        /// `1` = P-256 through the RIP-7212 precompile (`r ‖ s ‖ x ‖ y`, 128 bytes).
        uint8 keyType;
        /// The session key's id, left-padded as ABI encodes an address: secp256k1, the
        /// signer's address; P-256, the last 20 bytes of `keccak256(x ‖ y)` (derived as an
        /// address is), the public key itself travelling in each signature.
        bytes32 key;
        /// First second (inclusive) the session may be used.
        uint48 validAfter;
        /// Last second (inclusive) the session may be used; always set.
        uint48 validUntil;
        /// Length in seconds of the periods, counted from `validAfter`, in each of which
        /// `maxUses`, `maxTotalValue` and the token limits start over; `0` = one period, the
        /// whole window.
        uint48 period;
        /// Allowed calls; each (target, selector) at most once.
        Action[] actions;
        /// Conditions on the arguments of allowed calls; at most 8 per action.
        ArgRule[] argRules;
        /// What the session may sign for the account; empty = no signing power.
        SigningScope[] signing;
        /// ERC-20 budgets; each token at most once. A token's `transfer` or `approve` is
        /// refused unless its token has a budget here (and an action allows the call).
        TokenLimit[] tokenLimits;
        /// Paymasters that may pay for the session's UserOperations; empty = none (an
        /// operation with `paymasterAndData` is refused). When one pays, the account pays no
        /// gas and nothing is counted against `maxGasCostPerOp` or `maxTotalValue`.
        address[] paymasters;
        /// Wei the account may pay through the session in total, over all its uses (per
        /// period): what its calls send plus, for each UserOperation the account pays gas for,
        /// the most the EntryPoint can charge it (see `maxGasCostPerOp`).
        uint256 maxTotalValue;
        /// Most wei of gas one UserOperation may make the account pay, counted as the
        /// EntryPoint's prefund: `(preVerificationGas + verificationGasLimit + callGasLimit) ×
        /// maxFeePerGas`. Kept in whole gwei (rounded down, at most 2^40 − 1 gwei). `0` = the
        /// account never pays gas for the session: a paymaster must.
        uint256 maxGasCostPerOp;
        /// How many UserOperations and executions the session may run (per period).
        uint64 maxUses;
        /// Distinguishes otherwise equal grants.
        bytes32 salt;
    }

    /// What the account's owner signs to let a session be enabled inside the delegate's first
    /// UserOperation (ENABLE mode). EIP-712 under the module's domain on one chain.
    struct SessionGrant {
        /// The session to enable; `session.account` is the account it binds.
        Session session;
        /// The account's grant nonce when signed; `invalidateGrants()` moves it on.
        uint256 nonce;
        /// Last second (inclusive) the grant can be enabled.
        uint48 deadline;
    }

    /// What a session key signs to end its own session through a relayer
    /// (`revokeSessionBySignature`). EIP-712 under the module's domain on one chain.
    struct SessionRevocation {
        address account;
        bytes32 permissionId;
        /// Last second (inclusive) the revocation may be relayed: within it, the same signature
        /// also ends the session if the account enables it again.
        uint48 deadline;
    }

    /// What a session key signs to have a relayer run calls for the account through the
    /// executor path (`executeAsSessionBySignature`). EIP-712 under the module's domain on one
    /// chain.
    struct SessionExecution {
        address account;
        bytes32 permissionId;
        /// The session's execution nonce (`executionNonce`): each signature runs once, and
        /// never again, not even after the session is enabled anew.
        uint256 nonce;
        /// Last second (inclusive) the execution may be relayed.
        uint48 deadline;
        /// The account's `execute(bytes32,bytes)` call data, as a UserOperation would carry it.
        bytes callData;
    }

    /// One chain's grant digest, in a signature that covers several chains.
    struct ChainDigest {
        uint256 chainId;
        /// The `SessionGrant`'s EIP-712 digest on that chain.
        bytes32 grantDigest;
    }

    /// What the owner signs to grant on several chains at once: EIP-712 under the module's
    /// chain-free domain (each digest binds its own chain and module).
    struct MultiChainGrant {
        ChainDigest[] grants;
    }

    /// ENABLE mode: `userOp.signature = 0x01 ‖ abi.encode(EnableSession)`.
    struct EnableSession {
        SessionGrant grant;
        /// Empty when the owner signed the grant's digest itself; else the signed chain list.
        ChainDigest[] chains;
        /// Which entry of `chains` is this chain (0 when `chains` is empty).
        uint256 chainIndex;
        /// Checked by the account's ERC-1271 `isValidSignature`.
        bytes ownerSignature;
        /// The session key's signature over `userOpHash`, then (periodic sessions only) the
        /// period's index as 4 big-endian bytes.
        bytes keySignature;
    }

    /// The live state of a session, as `getSession` reports it.
    struct SessionState {
        /// Whether the session can validate now (enabled, not removed or revoked).
        bool enabled;
        uint8 keyType;
        /// The key's address (P-256: its id, see `Session.key`).
        address signer;
        uint48 validAfter;
        uint48 validUntil;
        uint48 period;
        /// The period `uses` and `spent` count in (always 0 without periods).
        uint32 periodIndex;
        uint64 uses;
        uint256 spent;
    }

    /// One action of a live session and the session's caps, as `getAction` reports them:
    /// as validation enforces them (`maxUses` held at 2^32 − 1, wei caps at 2^88 − 1, the gas
    /// cap in whole gwei). The caps are kept in every action word, where validation reads them,
    /// and nowhere else: a word of their own would cost every enabling 22,100 gas.
    struct ActionState {
        /// Whether the live session allows calling `selector` on `target`.
        bool allowed;
        uint256 maxValuePerCall;
        /// How many argument rules the action keeps.
        uint8 ruleCount;
        uint64 maxUses;
        uint256 maxTotalValue;
        uint256 maxGasCostPerOp;
    }

    /// ERC-4337 user operation as EntryPoint v0.7 and v0.8 pass it to the account.
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }

    /// One call of an ERC-7579 batch execution.
    struct Execution {
        address target;
        uint256 value;
        bytes callData;
    }

    /// The smart-session module: an ERC-7579 validator (module type 1) and executor (type 2).
    #[sol(abi)]
    interface ISmartSessions {
        // ---- ERC-7579 module ----
        function onInstall(bytes calldata data) external;
        function onUninstall(bytes calldata data) external;
        function isModuleType(uint256 moduleTypeId) external view returns (bool);
        function isInitialized(address smartAccount) external view returns (bool);
        // ---- ERC-7579 validator ----
        function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
            external returns (uint256 validationData);
        /// ERC-1271 for the account (`msg.sender`): `0x1626ba7e` when a live session signed
        /// `hash` through ERC-7739 within one of its signing scopes, else `0xffffffff`.
        function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata signature)
            external view returns (bytes4);
        // ---- Session management (called by the account) ----
        function enableSession(Session calldata session) external returns (bytes32 permissionId);
        function removeSession(bytes32 permissionId) external;
        function revokeAllSessions() external;
        // ---- Session management (called by the session key, or relayed for it) ----
        /// The session key (`msg.sender`) ends its own session.
        function revokeSessionByKey(address account, bytes32 permissionId) external;
        /// Anyone relays the session key's signature over a `SessionRevocation`.
        function revokeSessionBySignature(
            address account,
            bytes32 permissionId,
            uint48 deadline,
            bytes calldata signature
        ) external;
        // ---- Executor path (called by the session key, or relayed for it) ----
        /// The session key (`msg.sender`) runs `callData` — the account's
        /// `execute(bytes32,bytes)` call data — through the account's `executeFromExecutor`,
        /// under the same rules as a UserOperation. Returns the account's return data.
        function executeAsSession(address account, bytes32 permissionId, bytes calldata callData)
            external returns (bytes[] memory returnData);
        /// Anyone relays the session key's signature over a `SessionExecution`.
        function executeAsSessionBySignature(
            address account,
            bytes32 permissionId,
            uint256 nonce,
            uint48 deadline,
            bytes calldata callData,
            bytes calldata signature
        ) external returns (bytes[] memory returnData);
        /// The nonce the next `SessionExecution` of this session must carry.
        function executionNonce(address account, bytes32 permissionId)
            external view returns (uint256 nonce);
        // ---- Views ----
        function getSession(address account, bytes32 permissionId)
            external view returns (SessionState memory state);
        /// An action of a session, with the session's caps (all zero unless the session is
        /// live and allows the action).
        function getAction(address account, bytes32 permissionId, address target, bytes4 selector)
            external view returns (ActionState memory state);
        /// A session's ERC-20 budget for `token`: moved so far in period `periodIndex`, and the
        /// limit (zero unless the session is live and has a limit for it).
        function getTokenBudget(address account, bytes32 permissionId, address token)
            external view returns (uint256 spent, uint256 limit, uint32 periodIndex);
        // ---- Owner-signed grants (ENABLE mode) ----
        function grantNonce(address account) external view returns (uint256 nonce);
        function invalidateGrants() external;

        // ---- Events: account and permission id indexed, for topic filters ----
        /// The account installed the module.
        event ModuleInstalled(address indexed account);
        /// The account uninstalled the module; every session it had is dead for good.
        event ModuleUninstalled(address indexed account);
        /// A session was enabled; the full session is in the enabling call's data.
        event SessionEnabled(
            address indexed account,
            bytes32 indexed permissionId,
            uint8 keyType,
            bytes32 key,
            uint48 validAfter,
            uint48 validUntil
        );
        /// The account removed one session.
        event SessionRemoved(address indexed account, bytes32 indexed permissionId);
        /// The session's own key ended it (directly or by a relayed signature).
        event SessionRevokedByKey(address indexed account, bytes32 indexed permissionId);
        /// The account revoked every session it had.
        event AllSessionsRevoked(address indexed account);
        /// Every grant the account's owner signed and nobody enabled yet is dead.
        event GrantsInvalidated(address indexed account, uint256 nonce);
        /// A UserOperation was validated, or an execution run, under the session; counters
        /// after this use.
        event SessionUsed(address indexed account, bytes32 indexed permissionId, uint64 uses, uint256 spent);

        // ---- Errors: every refusal, with the data that explains it ----
        /// The account has not installed the module (ERC-7579's name).
        error NotInitialized(address account);
        /// The account has installed the module already (ERC-7579's name).
        error AlreadyInitialized(address account);
        /// `onInstall` data is neither empty nor `abi.encode(Session[])`.
        error InvalidInstallData(address account);
        /// The module's call data is not a canonical encoding of one of its functions, or
        /// sends ether to it; `position` is the byte offset where decoding failed.
        error InvalidCalldata(bytes4 selector, uint256 position);
        /// `userOp.sender` is not the account calling the module.
        error UserOpSenderMismatch(address sender, address caller);
        /// No live session with this id for this account (never enabled, removed, revoked,
        /// or enabled before the module was last uninstalled).
        error SessionNotEnabled(bytes32 permissionId, address account);
        /// The caller is not the session's key.
        error NotSessionKey(bytes32 permissionId, address caller);
        /// The revocation's deadline has passed.
        error RevocationExpired(uint48 deadline);
        /// The revocation is not signed by the session's key.
        error RevocationSignatureInvalid(bytes32 permissionId);
        /// The session's window has not opened yet (executor path: the block's time).
        error SessionNotYetValid(bytes32 permissionId, uint48 validAfter);
        /// The session's window has closed (executor path: the block's time).
        error SessionExpired(bytes32 permissionId, uint48 validUntil);
        /// The relayed execution's deadline has passed.
        error ExecutionExpired(uint48 deadline);
        /// The relayed execution does not carry the session's next execution nonce.
        error ExecutionNonceInvalid(bytes32 permissionId, uint256 expected, uint256 nonce);
        /// The relayed execution is not signed by the session's key.
        error ExecutionSignatureInvalid(bytes32 permissionId);
        /// The session is live already.
        error SessionAlreadyEnabled(bytes32 permissionId, address account);
        /// `session.account` is not the account enabling it.
        error SessionAccountMismatch(address sessionAccount, address caller);
        /// `validUntil` is zero or not after `validAfter`, or the window holds 2^32 periods.
        error SessionWindowInvalid(uint48 validAfter, uint48 validUntil);
        /// The key type is not supported by this version of the module.
        error SessionKeyTypeUnsupported(uint8 keyType);
        /// The key is not a valid key of its type (secp256k1: a non-zero, left-padded address).
        error SessionKeyInvalid(uint8 keyType, bytes32 key);
        /// A session must allow at least one action.
        error SessionHasNoActions();
        /// A session must allow at least one use.
        error SessionHasNoUses();
        /// The same (target, selector) is listed twice.
        error ActionDuplicated(address target, bytes4 selector);
        /// Sessions may never call the account itself or this module.
        error ActionTargetForbidden(address target);
        /// The account's call data is not `execute(bytes32,bytes)`.
        error ExecuteSelectorUnsupported(bytes4 selector);
        /// Only single and batch calls with the default exec type and no mode payload.
        error ExecutionModeUnsupported(bytes32 mode);
        /// `userOp.callData` is not the canonical ABI encoding; `position` is the byte offset
        /// in it where decoding failed.
        error CalldataMalformed(uint256 position);
        /// A batch must hold at least one call.
        error BatchEmpty();
        /// A batch holds more calls than validation bounds its work to.
        error BatchTooLarge(uint256 length, uint256 maxLength);
        /// The call's data is 1 to 3 bytes long or starts with the reserved zero selector.
        error CallSelectorInvalid(address target);
        /// The session allows no such call.
        error ActionNotAllowed(bytes32 permissionId, address target, bytes4 selector);
        /// The call sends more wei than its action allows per call.
        error CallValueAboveLimit(address target, bytes4 selector, uint256 value, uint256 limit);
        /// The session's total spend — call values plus the gas its operations may cost the
        /// account — would pass `maxTotalValue`.
        error SpendLimitExceeded(bytes32 permissionId, uint256 spent, uint256 limit);
        /// The most the UserOperation can make the account pay for gas passes the session's
        /// `maxGasCostPerOp` (`maxCost` saturates at 2^256 − 1).
        error GasCostAboveLimit(bytes32 permissionId, uint256 maxCost, uint256 limit);
        /// The UserOperation's paymaster is not one the session lists (zero: `paymasterAndData`
        /// too short to name one).
        error PaymasterNotAllowed(bytes32 permissionId, address paymaster);
        /// The session's spend of an ERC-20 token would pass its `TokenLimit` (0 when the
        /// session has none for it).
        error TokenSpendLimitExceeded(bytes32 permissionId, address token, uint256 spent, uint256 limit);
        /// A `transfer` or `approve` call whose data is not exactly selector, address and amount.
        error TokenAmountUnreadable(address token);
        /// The same token has two `TokenLimit`s.
        error TokenLimitDuplicated(address token);
        /// A call breaks rule `ruleIndex` (counted among its action's rules, in session order).
        error ArgumentRuleViolated(bytes32 permissionId, address target, bytes4 selector, uint256 ruleIndex);
        /// `argRules[ruleIndex]` names an action the session does not list, has an unknown
        /// condition, or is the ninth rule of its action.
        error ArgumentRuleInvalid(uint256 ruleIndex);
        /// The key named a period before the one the session counts in, or one that starts
        /// after `validUntil`.
        error SessionPeriodInvalid(bytes32 permissionId, uint32 periodIndex);
        /// The session has been used as often as it may be (in this period).
        error UsageLimitReached(bytes32 permissionId, uint64 maxUses);
        /// ENABLE data is not `abi.encode(EnableSession)`; `position` is the byte offset in
        /// `userOp.signature` where decoding failed.
        error EnableDataMalformed(uint256 position);
        /// The grant was signed under another grant nonce (since invalidated, or not yet).
        error GrantNonceMismatch(uint256 nonce, uint256 expected);
        /// The grant has been enabled before: a grant enables once.
        error GrantAlreadyUsed(bytes32 grantDigest);
        /// `chains[chainIndex]` is missing, names another chain, or another grant.
        error GrantChainMismatch(uint256 chainIndex);
        /// The owner signature would be checked by this module itself.
        error GrantSignedByModule();
    }

    /// The account's ERC-7579 execution entry point: the only call a session may make.
    interface IERC7579Execution {
        function execute(bytes32 mode, bytes calldata executionCalldata) external payable;
        /// What the module calls on the executor path: the same arguments as `execute`.
        function executeFromExecutor(bytes32 mode, bytes calldata executionCalldata)
            external payable returns (bytes[] memory returnData);
    }

    /// ERC-5267, as the module asks the account for its EIP-712 domain (ERC-7739).
    interface IERC5267 {
        function eip712Domain() external view returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        );
    }

    /// ERC-1271, as the module asks the account about the owner's grant signature.
    interface IERC1271 {
        function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4);
    }
}

pub use ISmartSessions::ISmartSessionsErrors as Error;

/// `error.into()` for each custom error, so refusals read `Err(SessionNotEnabled { .. }.into())`.
macro_rules! into_error {
    ($($name:ident),* $(,)?) => {
        $(impl From<ISmartSessions::$name> for Error {
            #[inline]
            fn from(error: ISmartSessions::$name) -> Self {
                Self::$name(error)
            }
        })*
    };
}

into_error!(
    NotInitialized,
    AlreadyInitialized,
    InvalidInstallData,
    InvalidCalldata,
    UserOpSenderMismatch,
    SessionNotEnabled,
    NotSessionKey,
    RevocationExpired,
    RevocationSignatureInvalid,
    SessionNotYetValid,
    SessionExpired,
    ExecutionExpired,
    ExecutionNonceInvalid,
    ExecutionSignatureInvalid,
    SessionAlreadyEnabled,
    SessionAccountMismatch,
    SessionWindowInvalid,
    SessionKeyTypeUnsupported,
    SessionKeyInvalid,
    SessionHasNoActions,
    SessionHasNoUses,
    ActionDuplicated,
    ActionTargetForbidden,
    ExecuteSelectorUnsupported,
    ExecutionModeUnsupported,
    CalldataMalformed,
    BatchEmpty,
    BatchTooLarge,
    CallSelectorInvalid,
    ActionNotAllowed,
    CallValueAboveLimit,
    SpendLimitExceeded,
    GasCostAboveLimit,
    PaymasterNotAllowed,
    TokenSpendLimitExceeded,
    TokenAmountUnreadable,
    TokenLimitDuplicated,
    ArgumentRuleViolated,
    ArgumentRuleInvalid,
    SessionPeriodInvalid,
    UsageLimitReached,
    EnableDataMalformed,
    GrantNonceMismatch,
    GrantAlreadyUsed,
    GrantChainMismatch,
    GrantSignedByModule,
);

/// The revert data of `error`: its selector, then its fields one word each (every field of
/// the module's errors is a static type).
///
/// Written out rather than taken from alloy's `SolInterface::abi_encode`, whose generic
/// encoder per error costs several hundred deployed bytes; a test holds every error to
/// alloy's encoding.
#[inline]
pub fn revert_data(error: &Error) -> Vec<u8> {
    use ISmartSessions::*;

    let uint = |value: &U256| B256::from(*value);
    let uint48 = |value: &U48| uint_word(value.as_limbs()[0].into());
    match error {
        Error::NotInitialized(e) => encode(NotInitialized::SELECTOR, &[address_word(e.account)]),
        Error::AlreadyInitialized(e) => {
            encode(AlreadyInitialized::SELECTOR, &[address_word(e.account)])
        }
        Error::InvalidInstallData(e) => {
            encode(InvalidInstallData::SELECTOR, &[address_word(e.account)])
        }
        Error::InvalidCalldata(e) => {
            encode(InvalidCalldata::SELECTOR, &[bytes4_word(e.selector), uint(&e.position)])
        }
        Error::UserOpSenderMismatch(e) => encode(
            UserOpSenderMismatch::SELECTOR,
            &[address_word(e.sender), address_word(e.caller)],
        ),
        Error::SessionNotEnabled(e) => {
            encode(SessionNotEnabled::SELECTOR, &[e.permissionId, address_word(e.account)])
        }
        Error::NotSessionKey(e) => {
            encode(NotSessionKey::SELECTOR, &[e.permissionId, address_word(e.caller)])
        }
        Error::RevocationExpired(e) => encode(RevocationExpired::SELECTOR, &[uint48(&e.deadline)]),
        Error::RevocationSignatureInvalid(e) => {
            encode(RevocationSignatureInvalid::SELECTOR, &[e.permissionId])
        }
        Error::SessionNotYetValid(e) => {
            encode(SessionNotYetValid::SELECTOR, &[e.permissionId, uint48(&e.validAfter)])
        }
        Error::SessionExpired(e) => {
            encode(SessionExpired::SELECTOR, &[e.permissionId, uint48(&e.validUntil)])
        }
        Error::ExecutionExpired(e) => encode(ExecutionExpired::SELECTOR, &[uint48(&e.deadline)]),
        Error::ExecutionNonceInvalid(e) => encode(
            ExecutionNonceInvalid::SELECTOR,
            &[e.permissionId, uint(&e.expected), uint(&e.nonce)],
        ),
        Error::ExecutionSignatureInvalid(e) => {
            encode(ExecutionSignatureInvalid::SELECTOR, &[e.permissionId])
        }
        Error::SessionAlreadyEnabled(e) => {
            encode(SessionAlreadyEnabled::SELECTOR, &[e.permissionId, address_word(e.account)])
        }
        Error::SessionAccountMismatch(e) => encode(
            SessionAccountMismatch::SELECTOR,
            &[address_word(e.sessionAccount), address_word(e.caller)],
        ),
        Error::SessionWindowInvalid(e) => {
            encode(SessionWindowInvalid::SELECTOR, &[uint48(&e.validAfter), uint48(&e.validUntil)])
        }
        Error::SessionKeyTypeUnsupported(e) => {
            encode(SessionKeyTypeUnsupported::SELECTOR, &[uint_word(e.keyType.into())])
        }
        Error::SessionKeyInvalid(e) => {
            encode(SessionKeyInvalid::SELECTOR, &[uint_word(e.keyType.into()), e.key])
        }
        Error::SessionHasNoActions(_) => encode(SessionHasNoActions::SELECTOR, &[]),
        Error::SessionHasNoUses(_) => encode(SessionHasNoUses::SELECTOR, &[]),
        Error::ActionDuplicated(e) => {
            encode(ActionDuplicated::SELECTOR, &[address_word(e.target), bytes4_word(e.selector)])
        }
        Error::ActionTargetForbidden(e) => {
            encode(ActionTargetForbidden::SELECTOR, &[address_word(e.target)])
        }
        Error::ExecuteSelectorUnsupported(e) => {
            encode(ExecuteSelectorUnsupported::SELECTOR, &[bytes4_word(e.selector)])
        }
        Error::ExecutionModeUnsupported(e) => encode(ExecutionModeUnsupported::SELECTOR, &[e.mode]),
        Error::CalldataMalformed(e) => encode(CalldataMalformed::SELECTOR, &[uint(&e.position)]),
        Error::BatchEmpty(_) => encode(BatchEmpty::SELECTOR, &[]),
        Error::BatchTooLarge(e) => {
            encode(BatchTooLarge::SELECTOR, &[uint(&e.length), uint(&e.maxLength)])
        }
        Error::CallSelectorInvalid(e) => {
            encode(CallSelectorInvalid::SELECTOR, &[address_word(e.target)])
        }
        Error::ActionNotAllowed(e) => encode(
            ActionNotAllowed::SELECTOR,
            &[e.permissionId, address_word(e.target), bytes4_word(e.selector)],
        ),
        Error::CallValueAboveLimit(e) => encode(
            CallValueAboveLimit::SELECTOR,
            &[address_word(e.target), bytes4_word(e.selector), uint(&e.value), uint(&e.limit)],
        ),
        Error::SpendLimitExceeded(e) => {
            encode(SpendLimitExceeded::SELECTOR, &[e.permissionId, uint(&e.spent), uint(&e.limit)])
        }
        Error::GasCostAboveLimit(e) => {
            encode(GasCostAboveLimit::SELECTOR, &[e.permissionId, uint(&e.maxCost), uint(&e.limit)])
        }
        Error::PaymasterNotAllowed(e) => {
            encode(PaymasterNotAllowed::SELECTOR, &[e.permissionId, address_word(e.paymaster)])
        }
        Error::TokenSpendLimitExceeded(e) => encode(
            TokenSpendLimitExceeded::SELECTOR,
            &[e.permissionId, address_word(e.token), uint(&e.spent), uint(&e.limit)],
        ),
        Error::TokenAmountUnreadable(e) => {
            encode(TokenAmountUnreadable::SELECTOR, &[address_word(e.token)])
        }
        Error::TokenLimitDuplicated(e) => {
            encode(TokenLimitDuplicated::SELECTOR, &[address_word(e.token)])
        }
        Error::ArgumentRuleViolated(e) => encode(
            ArgumentRuleViolated::SELECTOR,
            &[e.permissionId, address_word(e.target), bytes4_word(e.selector), uint(&e.ruleIndex)],
        ),
        Error::ArgumentRuleInvalid(e) => {
            encode(ArgumentRuleInvalid::SELECTOR, &[uint(&e.ruleIndex)])
        }
        Error::SessionPeriodInvalid(e) => encode(
            SessionPeriodInvalid::SELECTOR,
            &[e.permissionId, uint_word(e.periodIndex.into())],
        ),
        Error::UsageLimitReached(e) => {
            encode(UsageLimitReached::SELECTOR, &[e.permissionId, uint_word(e.maxUses.into())])
        }
        Error::EnableDataMalformed(e) => {
            encode(EnableDataMalformed::SELECTOR, &[uint(&e.position)])
        }
        Error::GrantNonceMismatch(e) => {
            encode(GrantNonceMismatch::SELECTOR, &[uint(&e.nonce), uint(&e.expected)])
        }
        Error::GrantAlreadyUsed(e) => encode(GrantAlreadyUsed::SELECTOR, &[e.grantDigest]),
        Error::GrantChainMismatch(e) => {
            encode(GrantChainMismatch::SELECTOR, &[uint(&e.chainIndex)])
        }
        Error::GrantSignedByModule(_) => encode(GrantSignedByModule::SELECTOR, &[]),
    }
}

/// `selector ‖ words`.
#[inline]
fn encode(selector: [u8; 4], words: &[B256]) -> Vec<u8> {
    // Joined into a vector of its final size: no growth code and no panic in the programs.
    joined(&[&selector, word_bytes(words)])
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolInterface;

    use super::*;

    #[test]
    fn revert_data_equals_alloy_for_every_error() {
        // Dirty words decode (without validation) into every field type; alloy's re-encoding
        // of the decoded error is the canonical revert data.
        let fields: Vec<u8> = (1..=4u8).flat_map(|word| [word | 0xa0; 32]).collect();
        assert_eq!(Error::SELECTORS.len(), 46);
        for &selector in Error::SELECTORS {
            let error = Error::abi_decode_raw(selector, &fields).unwrap();
            assert_eq!(revert_data(&error), error.abi_encode(), "{selector:02x?}");
        }
    }
}
