//! ERC-7715 conversions both ways, on requests in the shapes wallets and SDKs send.

use alloy_primitives::{address, FixedBytes, B256};
use session_core::{
    calls::TRANSFER_SELECTOR,
    erc20::TokenCall,
    interface::{Action, Session, TokenLimit},
};

use super::*;
use crate::policy::{error, Policy, PolicyError};

const GAME_POLICY: &str = include_str!("../../../../examples/game-session.toml");
const MODULE: Address = address!("5e55105e55105e55105e55105e55105e55105e55");
const NOW: u64 = 1_800_000_000;

fn requests(json: &str) -> Vec<PermissionRequest> {
    serde_json::from_str(json).unwrap()
}

fn refusal(json: &str) -> PolicyError {
    policy_from_requests(&requests(json), MODULE).unwrap_err()
}

#[test]
fn the_game_session_survives_the_round_trip_through_json() {
    let policy = Policy::parse(GAME_POLICY).unwrap();
    let session = policy.session(NOW).unwrap();
    let json =
        serde_json::to_string(&requests_from_session(&session, policy.chain_id).unwrap()).unwrap();
    assert!(
        json.contains(r#""type":"contract-call""#) && json.contains(r#""calls":["0x701bd985"]"#),
        "{json}"
    );
    assert!(json.contains(r#""chainId":"0x66eee""#), "chain id as hex: {json}");

    let back = policy_from_requests(&requests(&json), MODULE).unwrap();
    assert_eq!(back.session(NOW + 99).unwrap(), session, "startTime pins the window");
}

#[test]
fn gas_and_paymaster_rules_survive_the_round_trip_and_name_their_field() {
    // A contract-call session sending no value: the gas-cost rule carries the total.
    let contract_call = |rules: &str| {
        format!(
            r#"[{{
        "chainId": "0x66eee",
        "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
        "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
        "permission": {{"type": "contract-call", "isAdjustmentAllowed": false,
                       "data": {{"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e",
                                "calls": ["move(uint8,uint8)"]}}}},
        "rules": [{{"type": "expiry", "data": {{"timestamp": 1800007200}}}}{rules}]
    }}]"#
        )
    };
    let json = contract_call(
        r#",{"type": "gas-cost", "data": {"maxPerOperation": "1000000000000000", "maxTotal": "0x2386f26fc10000"}},
            {"type": "paymaster", "data": {"addresses": ["0x00000000000000000000000000000000000a55a5"]}}"#,
    );
    let policy = policy_from_requests(&requests(&json), MODULE).unwrap();
    let session = policy.session(NOW).unwrap();
    assert_eq!(session.maxGasCostPerOp, U256::from(10u64.pow(15)));
    assert_eq!(session.maxTotalValue, U256::from(10u64.pow(16)), "maxTotal is the total");
    assert_eq!(session.paymasters, vec![address!("00000000000000000000000000000000000a55a5")]);
    let again = requests_from_session(&session, policy.chain_id).unwrap();
    let back = policy_from_requests(&again, MODULE).unwrap();
    assert_eq!(back.session(NOW).unwrap(), session);

    // Without a gas-cost rule the account pays no gas.
    let policy = policy_from_requests(&requests(&contract_call("")), MODULE).unwrap();
    assert_eq!(policy.session(NOW).unwrap().maxGasCostPerOp, U256::ZERO);

    // A gas cap the total cannot cover is refused, naming the field.
    let json =
        contract_call(r#",{"type": "gas-cost", "data": {"maxPerOperation": "1000000000000000"}}"#);
    let error = policy_from_requests(&requests(&json), MODULE).unwrap().session(NOW);
    assert_eq!(error.unwrap_err().field, "max_gas_cost_per_op");
}

#[test]
fn a_gas_cost_total_beside_a_native_allowance_is_refused() {
    let error = refusal(
        r#"[{
        "chainId": "0x66eee",
        "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
        "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
        "permission": {"type": "native-token-allowance", "isAdjustmentAllowed": false,
                       "data": {"allowanceAmount": "0x2386f26fc10000"}},
        "rules": [{"type": "expiry", "data": {"timestamp": 1800007200}},
                  {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}},
                  {"type": "gas-cost", "data": {"maxPerOperation": "1000000000", "maxTotal": "1000000000"}}]
    }]"#,
    );
    assert_eq!(error.field, "[0].rules[2].data.maxTotal");
}

#[test]
fn a_metamask_allowance_with_payees_becomes_capped_transfers() {
    let policy = policy_from_requests(&requests(r#"[{
        "chainId": "0xaa36a7",
        "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
        "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
        "permission": {"type": "native-token-allowance", "isAdjustmentAllowed": true,
                       "data": {"allowanceAmount": "0x38d7ea4c68000", "justification": "rent"}},
        "rules": [{"type": "expiry", "data": {"timestamp": 1893456000}},
                  {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}}]
    }]"#), MODULE).unwrap();
    let session = policy.session(NOW).unwrap();
    assert_eq!((policy.chain_id, session.maxUses), (11_155_111, u64::MAX));
    assert_eq!(
        (session.validAfter.to::<u64>(), session.validUntil.to::<u64>()),
        (NOW, 1_893_456_000)
    );
    assert_eq!(session.maxTotalValue, U256::from(1_000_000_000_000_000u64));
    assert_eq!(session.actions.len(), 1);
    assert_eq!(session.actions[0].target, address!("00000000000000000000000000000000000b0b0b"));
    assert_eq!(session.actions[0].selector, TRANSFER_SELECTOR);
    assert_eq!(session.actions[0].maxValuePerCall, session.maxTotalValue);
}

fn one(permission: &str, rules: &str) -> String {
    format!(
        r#"[{{"chainId": "0x1", "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
            "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
            "permission": {permission}, "rules": {rules}}}]"#
    )
}

const EXPIRY: &str = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}}]"#;

#[test]
fn what_a_session_cannot_hold_is_refused_naming_the_field() {
    let stream = r#"{"type": "native-token-stream", "isAdjustmentAllowed": false,
        "data": {"amountPerSecond": "0x1"}}"#;
    assert_eq!(
        refusal(&one(stream, EXPIRY)),
        error("[0].permission.type", "`native-token-stream`: streaming allowances are not supported: the module's limits start over each period, they do not accrue")
    );
    let erc20 = r#"{"type": "erc20-token-revocation", "isAdjustmentAllowed": false, "data": {}}"#;
    assert!(refusal(&one(erc20, EXPIRY))
        .message
        .contains("only erc20-token-allowance and erc20-token-periodic"));
    let nft = r#"{"type": "erc721-token-allowance", "isAdjustmentAllowed": false, "data": {}}"#;
    assert!(refusal(&one(nft, EXPIRY)).message.contains("ERC-20 tokens only"));

    let call = r#"{"type": "contract-call", "isAdjustmentAllowed": false,
        "data": {"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e", "calls": ["move(uint8,uint8)"]}}"#;
    assert_eq!(refusal(&one(call, "[]")).field, "[0].rules", "no expiry");
    let redeemer = r#"[{"type": "redeemer", "data": {"addresses": []}}]"#;
    assert_eq!(refusal(&one(call, redeemer)).field, "[0].rules[0].type");
    assert_eq!(
        refusal(
            &one(call, EXPIRY)
                .replace(r#""from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce","#, "")
        )
        .field,
        "[0].from"
    );

    let allowance_alone = r#"{"type": "native-token-allowance", "isAdjustmentAllowed": false,
        "data": {"allowance": "0x1DCD6500"}}"#;
    assert!(refusal(&one(allowance_alone, EXPIRY)).message.starts_with("nothing can spend"));
    let call_with_value = call.replace(r#""calls""#, r#""valueLimit": "0x10", "calls""#);
    assert!(refusal(&one(&call_with_value, EXPIRY))
        .message
        .contains("needs a native-token allowance"));
    let empty_amount = allowance_alone.replace("0x1DCD6500", "0x");
    assert_eq!(refusal(&one(&empty_amount, EXPIRY)).field, "[0].permission.data");
    let typo = call.replace("calls", "cals");
    assert_eq!(refusal(&one(&typo, EXPIRY)).field, "[0].permission.data");
}

const USDC_ALLOWANCE: &str = r#"{"type": "erc20-token-allowance", "isAdjustmentAllowed": false,
    "data": {"tokenAddress": "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238",
             "allowanceAmount": "0x5f5e100", "justification": "100 USDC"}}"#;
const USDC: Address = address!("1c7d4b196cb0c7b01d743fbc6116a902379c7238");

#[test]
fn an_erc20_allowance_becomes_a_token_limit_and_its_transfers_and_back() {
    let policy = policy_from_requests(&requests(&one(USDC_ALLOWANCE, EXPIRY)), MODULE).unwrap();
    let session = policy.session(NOW).unwrap();
    assert_eq!(
        session.tokenLimits,
        [TokenLimit { token: USDC, maxAmount: U256::from(100_000_000) }]
    );
    assert_eq!(
        session.actions,
        [Action {
            target: USDC,
            selector: TokenCall::Transfer.selector(),
            maxValuePerCall: U256::ZERO
        }],
        "transfers only, no approvals"
    );
    assert_eq!(session.maxTotalValue, U256::ZERO);

    let json = serde_json::to_string(&requests_from_session(&session, 1).unwrap()).unwrap();
    assert!(json.contains(r#""type":"erc20-token-allowance""#), "{json}");
    assert!(json.contains(r#""allowanceAmount":"0x5f5e100""#), "{json}");
    let back = policy_from_requests(&requests(&json), MODULE).unwrap();
    assert_eq!(back.session(NOW + 99).unwrap(), session, "startTime pins the window");
}

#[test]
fn erc20_requests_a_session_cannot_hold_are_refused_naming_the_field() {
    let payee = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}},
        {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}}]"#;
    assert_eq!(
        refusal(&one(USDC_ALLOWANCE, payee)),
        error("[0].rules", "a payee rule belongs to a native-token allowance")
    );
    let a = one(USDC_ALLOWANCE, EXPIRY);
    let twice = format!("[{},{}]", &a[1..a.len() - 1], &a[1..a.len() - 1]);
    assert_eq!(
        refusal(&twice),
        error(
            "[1].permission.data.tokenAddress",
            "one erc20-token allowance (total or periodic) per token"
        )
    );
    let approve = r#"{"type": "contract-call", "isAdjustmentAllowed": false,
        "data": {"address": "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238",
                 "calls": ["balanceOf(address)", "approve(address,uint256)"]}}"#;
    let error = refusal(&one(approve, EXPIRY));
    assert_eq!(error.field, "[0].permission.data.calls[1]");
    assert!(error.message.contains("ask for an erc20-token-allowance"), "{error}");
    let bad = approve.replace("balanceOf(address)", "balanceOf(address");
    assert_eq!(refusal(&one(&bad, EXPIRY)).field, "[0].permission.data.calls[0]");
}

#[test]
fn token_permissions_erc_7715_cannot_say_are_refused() {
    let policy = policy_from_requests(&requests(&one(USDC_ALLOWANCE, EXPIRY)), MODULE).unwrap();
    let session = policy.session(NOW).unwrap();
    let refused = |change: &dyn Fn(&mut Session)| {
        let mut changed = session.clone();
        change(&mut changed);
        requests_from_session(&changed, 1).unwrap_err()
    };
    for call in [TokenCall::Approve, TokenCall::IncreaseAllowance, TokenCall::TransferFrom] {
        let error = refused(&|s| s.actions[0].selector = call.selector());
        assert_eq!(error.field, "actions[0]");
        assert!(error.message.starts_with(&format!("`{}` on ", call.signature())), "{error}");
        assert!(error.message.contains("have no ERC-7715 form"), "{error}");
    }
    let error = refused(&|s| s.tokenLimits[0].token = Address::repeat_byte(1));
    assert_eq!(error.field, "actions[0]");
    assert!(error.message.contains("has no token limit"), "{error}");
    let error = refused(&|s| s.actions[0].target = Address::repeat_byte(1));
    assert_eq!(error.field, "actions[0]", "a transfer on another token has no limit");
    let error = refused(&|s| {
        s.actions.push(Action {
            target: Address::repeat_byte(0x9a),
            selector: FixedBytes([1, 2, 3, 4]),
            maxValuePerCall: U256::ZERO,
        });
        s.actions.swap(0, 1);
        s.tokenLimits.push(TokenLimit { token: Address::repeat_byte(2), maxAmount: U256::from(1) });
    });
    assert_eq!(error.field, "tokenLimits[1]");
    assert!(error.message.contains("no transfer action"), "{error}");
    let error = refused(&|s| s.actions[0].maxValuePerCall = U256::from(1));
    assert_eq!(error.field, "actions[0].maxValuePerCall");
}

#[test]
fn requests_of_one_session_must_agree() {
    let call = r#"{"type": "contract-call", "isAdjustmentAllowed": false,
        "data": {"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e", "calls": ["move(uint8,uint8)"]}}"#;
    let a = one(call, EXPIRY);
    let b = one(call, &EXPIRY.replace("1893456000", "1893456001"));
    let both = format!("[{},{}]", &a[1..a.len() - 1], &b[1..b.len() - 1]);
    assert_eq!(
        refusal(&both),
        error("[1].rules", "every request of a session has the same expiry")
    );
}

#[test]
fn sessions_with_what_erc_7715_cannot_say_are_refused() {
    let mut session = Policy::parse(GAME_POLICY).unwrap().session(NOW).unwrap();
    session.salt = B256::repeat_byte(1);
    assert_eq!(requests_from_session(&session, 1).unwrap_err().field, "salt");
    session.salt = B256::ZERO;
    session.actions[0].selector = TRANSFER_SELECTOR;
    let error = requests_from_session(&session, 1).unwrap_err();
    assert!(error.message.contains("per-call cap must equal maxTotalValue"), "{error}");
}

const DAY: u64 = 86_400;
/// 0.001 ether a day to a payee, from NOW.
const NATIVE_PERIODIC: &str = r#"{"type": "native-token-periodic", "isAdjustmentAllowed": false,
    "data": {"periodAmount": "0x38d7ea4c68000", "periodDuration": 86400, "startTime": 1800000000,
             "justification": "rent, daily"}}"#;
/// 10 USDC a day.
const USDC_PERIODIC: &str = r#"{"type": "erc20-token-periodic", "isAdjustmentAllowed": false,
    "data": {"tokenAddress": "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238",
             "periodAmount": "0x989680", "periodDuration": 86400}}"#;
const PAYEE: &str = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}},
    {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}}]"#;

/// The requests `a` and `b` (each a one-request array) as one array.
fn both(a: &str, b: &str) -> String {
    format!("[{},{}]", &a[1..a.len() - 1], &b[1..b.len() - 1])
}

#[test]
fn periodic_allowances_become_the_sessions_period_and_its_limits_and_back() {
    let json = both(&one(NATIVE_PERIODIC, PAYEE), &one(USDC_PERIODIC, EXPIRY));
    let policy = policy_from_requests(&requests(&json), MODULE).unwrap();
    assert_eq!(policy.period.as_deref(), Some("86400s"));
    let session = policy.session(NOW + 99).unwrap();
    assert_eq!(session.period.to::<u64>(), DAY);
    assert_eq!(session.validAfter.to::<u64>(), NOW, "startTime is the session's start");
    assert_eq!(session.maxTotalValue, U256::from(1_000_000_000_000_000u64), "per day");
    assert_eq!(session.maxUses, u64::MAX);
    assert_eq!(
        session.tokenLimits,
        [TokenLimit { token: USDC, maxAmount: U256::from(10_000_000) }]
    );
    let calls: Vec<_> = session.actions.iter().map(|a| (a.target, a.selector)).collect();
    assert_eq!(
        calls,
        [
            (address!("00000000000000000000000000000000000b0b0b"), TRANSFER_SELECTOR),
            (USDC, TokenCall::Transfer.selector())
        ]
    );

    let back = requests_from_session(&session, 1).unwrap();
    let kinds: Vec<_> = back.iter().map(|r| r.permission.kind.as_str()).collect();
    assert_eq!(kinds, ["native-token-periodic", "erc20-token-periodic"]);
    assert_eq!(
        back[1].permission.data,
        serde_json::json!({
            "tokenAddress": USDC, "periodAmount": "0x989680", "periodDuration": DAY,
            "startTime": NOW
        })
    );
    let again = policy_from_requests(&back, MODULE).unwrap().session(NOW + 5).unwrap();
    assert_eq!(again, session, "the round trip keeps the session");
}

#[test]
fn periodic_requests_a_session_cannot_hold_are_refused_naming_the_field() {
    let hourly = USDC_PERIODIC.replace("86400", "3600");
    assert_eq!(
        refusal(&both(&one(NATIVE_PERIODIC, PAYEE), &one(&hourly, EXPIRY))),
        error(
            "[1].permission.data.periodDuration",
            "3600 seconds, but [0] asks for periods of 86400: a session has one period for \
             all its limits"
        )
    );
    assert_eq!(
        refusal(&both(&one(USDC_ALLOWANCE, EXPIRY), &one(NATIVE_PERIODIC, PAYEE))),
        error(
            "[1].permission.type",
            "`native-token-periodic` and [0]'s `erc20-token-allowance` mix an amount counted \
             in all with one counted per period: a session has one period for all its limits"
        )
    );
    let native_total =
        NATIVE_PERIODIC.replace("native-token-periodic", "native-token-allowance").replace(
            r#""periodAmount": "0x38d7ea4c68000", "periodDuration": 86400"#,
            r#""allowanceAmount": "0x1""#,
        );
    assert_eq!(
        refusal(&both(&one(USDC_PERIODIC, EXPIRY), &one(&native_total, PAYEE))).field,
        "[1].permission.type"
    );
    let later = USDC_PERIODIC.replace(
        r#""periodDuration": 86400"#,
        r#""periodDuration": 86400, "startTime": 1800000001"#,
    );
    assert_eq!(
        refusal(&both(&one(NATIVE_PERIODIC, PAYEE), &one(&later, EXPIRY))),
        error(
            "[1].permission.data.startTime",
            "periods count from the session's start (1800000000, an earlier permission's \
             startTime): a periodic startTime must equal it"
        )
    );
    let limited = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}},
        {"type": "call-limit", "data": {"count": 5}}]"#;
    assert_eq!(
        refusal(&one(USDC_PERIODIC, limited)),
        error(
            "[0].rules[1]",
            "a call-limit counts calls in all, but with periodic allowances the session's use \
             count starts over each period"
        )
    );
    assert_eq!(
        refusal(&one(&USDC_PERIODIC.replace("86400", "0"), EXPIRY)),
        error("[0].permission.data.periodDuration", "a period lasts at least 1 second")
    );
    assert_eq!(
        refusal(&one(&USDC_PERIODIC.replace("periodDuration", "period"), EXPIRY)).field,
        "[0].permission.data"
    );
}

#[test]
fn sessions_with_what_erc_7715_cannot_say_of_periods_rules_and_keys_are_refused() {
    let json = one(USDC_PERIODIC, EXPIRY);
    let session = policy_from_requests(&requests(&json), MODULE).unwrap().session(NOW).unwrap();
    let refused = |change: &dyn Fn(&mut Session)| {
        let mut changed = session.clone();
        change(&mut changed);
        requests_from_session(&changed, 1).unwrap_err()
    };
    assert_eq!(
        refused(&|s| s.maxUses = 10),
        error(
            "maxUses",
            "a periodic session's maxUses counts per period, and ERC-7715's call-limit in all"
        )
    );
    let nothing_per_period = refused(&|s| {
        s.tokenLimits.clear();
        s.actions[0].selector = FixedBytes([1, 2, 3, 4]);
    });
    assert_eq!(nothing_per_period.field, "period");
    assert_eq!(
        refused(&|s| s.keyType = 1),
        error(
            "keyType",
            "ERC-7715's `to` is the delegate's address: a P-256 session key has no ERC-7715 \
             form"
        )
    );
    assert_eq!(
        refused(&|s| s.argRules.push(Default::default())),
        error("argRules", "ERC-7715 has no argument rules")
    );
}

/// A contract-call request for the game in the current shape, `extra` spliced into its rules.
fn game_call_request(extra_rules: &str) -> String {
    format!(
        r#"[{{
        "chainId": "0x66eee",
        "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
        "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
        "permission": {{"type": "contract-call",
                       "data": {{"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e",
                                "calls": ["move(uint8,uint8)"]}}}},
        "rules": [{{"type": "expiry", "data": {{"timestamp": 1800007200}}, "isAdjustmentAllowed": false}}{extra_rules}]
    }}]"#
    )
}

#[test]
fn senders_shapes_are_accepted_adjustment_flags_and_all() {
    // No isAdjustmentAllowed on the permission (MetaMask leaves it out), one on a rule.
    let (requests, note) = read_requests(&game_call_request("")).unwrap();
    assert_eq!(note, None);
    assert!(!requests[0].permission.is_adjustment_allowed);
    assert_eq!(requests[0].rules[0].is_adjustment_allowed, Some(false));
    let policy = policy_from_requests(&requests, MODULE).unwrap();
    assert_eq!(policy.actions[0].function.as_deref(), Some("move(uint8,uint8)"));
}

#[test]
fn the_older_grant_permissions_draft_is_read_into_the_current_shape_with_a_note() {
    let older = r#"[{
        "chainId": "0x66eee",
        "address": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
        "expiry": 1800007200,
        "signer": {"type": "account", "data": {"address": "0xb595b18c88b1f651ca387489067f855b5c8e6720"}},
        "permissions": [{"type": "contract-call", "required": true,
                         "data": {"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e",
                                  "calls": ["move(uint8,uint8)"]},
                         "policies": [{"type": "call-limit", "data": {"count": 5}}]}]
    }]"#;
    let (requests, note) = read_requests(older).unwrap();
    assert_eq!(note, Some(OLDER_DRAFT));
    let current =
        read_requests(&game_call_request(r#",{"type": "call-limit", "data": {"count": 5}}"#))
            .unwrap()
            .0;
    let session = |requests: &[PermissionRequest]| {
        policy_from_requests(requests, MODULE).unwrap().session(NOW).unwrap()
    };
    assert_eq!(session(&requests), session(&current));
    assert_eq!(session(&requests).maxUses, 5);

    // A key signer: its secp256k1 public key's address (the generator point: key 1).
    let g = "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
    let keyed = older.replace(
        r#"{"type": "account", "data": {"address": "0xb595b18c88b1f651ca387489067f855b5c8e6720"}}"#,
        &format!(r#"{{"type": "key", "data": {{"type": "secp256k1", "publicKey": "{g}"}}}}"#),
    );
    let (requests, _) = read_requests(&keyed).unwrap();
    assert_eq!(requests[0].to, address!("7e5f4552091a69125d5dfcb7b8c2659029395bdf"));
    // A P-256 key or several keys: refused, naming the signer.
    let p256 = keyed.replace("secp256k1", "secp256r1");
    assert_eq!(read_requests(&p256).unwrap_err().field, "[0].signer");
}

#[test]
fn the_response_carries_the_context_a_dapp_keeps() {
    use alloy_sol_types::SolValue;
    let requests = read_requests(&game_call_request("")).unwrap().0;
    let policy = policy_from_requests(&requests, MODULE).unwrap();
    let id = policy.session(NOW).unwrap().permission_id(policy.chain_id, MODULE);
    let granted = response(&requests, MODULE, id).unwrap();
    assert_eq!(granted[0].delegation_manager, MODULE);
    let (module, account, permission_id) =
        <(Address, Address, B256)>::abi_decode(&granted[0].context).unwrap();
    assert_eq!((module, account, permission_id), (MODULE, policy.account, id));
    let json = serde_json::to_value(&granted).unwrap();
    assert_eq!(json[0]["permission"]["type"], "contract-call", "the request, flattened");
    assert!(json[0]["context"].as_str().unwrap().starts_with("0x"));
    assert_eq!(json[0]["dependencies"], serde_json::json!([]));

    let supported = supported_permissions(&[421_614]);
    assert_eq!(supported["contract-call"]["chainIds"], serde_json::json!(["0x66eee"]));
    assert!(supported["native-token-periodic"]["ruleTypes"]
        .as_array()
        .unwrap()
        .contains(&"payee".into()));
    assert!(supported.get("native-token-stream").is_none(), "streams are not supported");
}
