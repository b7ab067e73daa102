//! Policies to sessions: every field, and every refusal naming its field.

use alloy_json_abi::Function;
use alloy_primitives::{address, fixed_bytes};

use super::*;

const USDC: Address = address!("af88d065e77c8cc2239327c5edb3a432268e5831");

/// A bot's policy: `actions` is the TOML array of its actions, `token_limits` its
/// `[[token_limits]]` entries.
fn bot(actions: &str, token_limits: &str) -> Result<Session, PolicyError> {
    Policy::parse(&format!(
        r#"
        chain_id = 42161
        module = "0x5e55105e55105e55105e55105e55105e55105e55"
        account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
        session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
        valid_for = "1day"
        max_uses = 10
        actions = {actions}
        {token_limits}
        "#
    ))?
    .session(1_800_000_000)
}

#[test]
fn a_token_limit_in_whole_tokens_is_its_base_units_and_allow_writes_its_actions() {
    let session = bot(
        "[]",
        &format!(
            r#"[[token_limits]]
        token = "{USDC}"
        max_amount = "12.5"
        decimals = 6
        allow = ["transfer", "approve"]"#
        ),
    )
    .unwrap();
    assert_eq!(
        session.tokenLimits,
        [TokenLimit { token: USDC, maxAmount: U256::from(12_500_000) }]
    );
    let calls: Vec<_> =
        session.actions.iter().map(|a| (a.target, a.selector, a.maxValuePerCall)).collect();
    assert_eq!(
        calls,
        [
            (USDC, fixed_bytes!("a9059cbb"), U256::ZERO),
            (USDC, fixed_bytes!("095ea7b3"), U256::ZERO)
        ]
    );

    let policy = Policy::parse(&format!(
        r#"chain_id = 1
        module = "0x5e55105e55105e55105e55105e55105e55105e55"
        account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
        session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
        valid_until = 1900000000
        max_uses = 1
        [[token_limits]]
        token = "{USDC}"
        max_amount = "12500000"
        allow = ["transfer"]"#
    ))
    .unwrap();
    let toml = toml::to_string(&policy).unwrap();
    assert!(toml.contains("[[token_limits]]") && toml.contains(r#"allow = ["transfer"]"#));
    let again = Policy::parse(&toml).unwrap().session(0).unwrap();
    assert_eq!(again, policy.session(0).unwrap(), "the entry survives serde");
    assert_eq!(again.tokenLimits[0].maxAmount, U256::from(12_500_000), "base units");
}

#[test]
fn a_bad_token_limit_is_refused_naming_its_field() {
    let entry = |fields: &str| format!("[[token_limits]]\ntoken = \"{USDC}\"\n{fields}\n");
    let refused = |entries: &str| bot("[]", entries).unwrap_err();
    let whole = r#"max_amount = "100""#;

    let error = refused(&entry(r#"max_amount = "12.5""#));
    assert_eq!(error.field, "token_limits[0].max_amount");
    assert!(error.message.contains("base units are whole; say `decimals`"), "{error}");
    let error = refused(&entry("max_amount = \"1.2345678\"\ndecimals = 6"));
    assert_eq!(error.message, "`1.2345678` has more than 6 decimals");
    assert_eq!(refused(&entry(r#"max_amount = "-1""#)).message, "`-1` is negative");
    let too_much = refused(&entry(&format!("max_amount = \"{}\"", 1u128 << 96)));
    assert_eq!(too_much.message, "more than the module holds (2^96 − 1 base units)");
    assert_eq!(
        refused(&entry(&format!("{whole}\ndecimals = 78"))).field,
        "token_limits[0].decimals"
    );

    let twice = refused(&[entry(whole), entry(whole)].concat());
    assert_eq!(twice.field, "token_limits[1].token");
    assert!(twice.message.contains("TokenLimitDuplicated"), "{twice}");

    let by_hand = format!(r#"[{{ target = "{USDC}", function = "transfer(address,uint256)" }}]"#);
    let allow = entry(&format!("{whole}\nallow = [\"transfer\"]"));
    let error = bot(&by_hand, &allow).unwrap_err();
    assert_eq!(error.field, "token_limits[0].allow");
    assert!(error.message.contains("actions[0] already allows it"), "{error}");
    let error = refused(&entry(&format!("{whole}\nallow = [\"approve\", \"approve\"]")));
    assert!(error.message.contains("listed twice"), "{error}");
    // `permit` is signed by the owner, never counted: no token-limit keyword names it.
    assert!(refused(&entry(&format!("{whole}\nallow = [\"permit\"]")))
        .message
        .contains("unknown variant `permit`"));

    assert_eq!(refused(&entry(whole)).field, "actions", "a limit alone allows no call");
}

const RECIPIENT: Address = address!("00000000000000000000000000000000000b0b0b");

/// `bot` with one action on USDC calling `function` under `rules` (a TOML array).
fn ruled(function: &str, rules: &str) -> Result<Session, PolicyError> {
    bot(&format!(r#"[{{ target = "{USDC}", function = "{function}", rules = {rules} }}]"#), "")
}

/// The (offset, condition, value) of each rule of `session`, all on USDC with `selector`.
fn rules_of(session: &Session, selector: FixedBytes<4>) -> Vec<(u16, u8, B256)> {
    session
        .argRules
        .iter()
        .map(|rule| {
            assert_eq!((rule.target, rule.selector), (USDC, selector));
            (rule.offset, rule.condition, rule.value)
        })
        .collect()
}

#[test]
fn argument_rules_are_read_by_the_arguments_types_at_their_words() {
    let session = ruled(
        "transfer(address,uint256)",
        &format!(r#"[{{ arg = 0, eq = "{RECIPIENT}" }}, {{ arg = 1, le = "100000000" }}, {{ arg = 1, ge = 1 }}]"#),
    )
    .unwrap();
    assert_eq!(
        rules_of(&session, fixed_bytes!("a9059cbb")),
        [
            (0, Condition::Equal.code(), RECIPIENT.into_word()),
            (32, Condition::LessOrEqual.code(), B256::from(U256::from(100_000_000))),
            (32, Condition::GreaterOrEqual.code(), B256::with_last_byte(1)),
        ]
    );

    // Heads before the argument: a dynamic `bytes` takes one word (its offset), a static
    // `uint256[2]` two, a static tuple its words.
    let function = "pay(bytes,uint256[2],(address,bool),int8,bool,bytes4)";
    let rules = r#"[{ arg = 3, eq = -1 }, { arg = 4, eq = true }, { arg = 5, eq = "0xa9059cbb" },
                    { offset = 160, le = "0x10" }]"#;
    let session = ruled(function, rules).unwrap();
    let selector = FixedBytes(Function::parse(function).unwrap().selector().0);
    let words: Vec<_> = rules_of(&session, selector);
    assert_eq!(
        words[0],
        (32 * 5, Condition::Equal.code(), B256::repeat_byte(0xff)),
        "int8 -1, sign-extended"
    );
    assert_eq!(words[1], (32 * 6, Condition::Equal.code(), B256::with_last_byte(1)));
    let mut bytes4 = B256::ZERO;
    bytes4[..4].copy_from_slice(&[0xa9, 0x05, 0x9c, 0xbb]);
    assert_eq!(words[2], (32 * 7, Condition::Equal.code(), bytes4), "bytes4 left-aligned");
    assert_eq!(words[3], (160, Condition::LessOrEqual.code(), B256::with_last_byte(0x10)));
    let session = ruled("put(bytes,uint256)", "[{ arg = 1, ne = 0 }]").unwrap();
    assert_eq!(session.argRules[0].offset, 32, "after bytes' offset word");

    // A bare selector: argument i is the word at 32·i, the value a uint256.
    let session =
        ruled("0x12345678", r#"[{ arg = 2, ge = "0x0100" }, { arg = 0, le = "1 ether" }]"#)
            .unwrap();
    assert_eq!(
        rules_of(&session, fixed_bytes!("12345678")),
        [
            (64, Condition::GreaterOrEqual.code(), B256::from(U256::from(256))),
            (0, Condition::LessOrEqual.code(), B256::from(U256::from(10u64.pow(18)))),
        ]
    );
}

#[test]
fn argument_rules_follow_their_actions_in_session_order() {
    let session = bot(
        &format!(
            r#"[{{ target = "{USDC}", function = "approve(address,uint256)", rules = [{{ arg = 1, le = 5 }}] }},
                {{ target = "{USDC}", function = "transfer(address,uint256)", rules = [{{ arg = 1, le = 7 }}] }}]"#
        ),
        "",
    )
    .unwrap();
    let selectors: Vec<_> = session.argRules.iter().map(|rule| rule.selector).collect();
    assert_eq!(selectors, [fixed_bytes!("095ea7b3"), fixed_bytes!("a9059cbb")]);
}

#[test]
fn a_bad_argument_rule_is_refused_naming_its_field() {
    let transfer = "transfer(address,uint256)";
    let refused = |function: &str, rules: &str| ruled(function, rules).unwrap_err();
    let nine = format!("[{}]", ["{ arg = 1, le = 1 }"; 9].join(", "));
    assert_eq!(
        refused(transfer, &nine),
        error(
            "actions[0].rules",
            "9 rules: the module holds at most 8 per action (it refuses the next with \
             ArgumentRuleInvalid)"
        )
    );
    let eight = format!("[{}]", ["{ arg = 1, le = 1 }"; 8].join(", "));
    assert_eq!(ruled(transfer, &eight).unwrap().argRules.len(), 8, "eight is the most");
    assert_eq!(
        refused(transfer, "[{ arg = 1, le = 1 }, { arg = 1, lt = 5 }]"),
        error("actions[0].rules[1].lt", "`lt` is no condition: say eq, ne, le or ge (=, ≠, ≤, ≥)")
    );
    assert_eq!(
        refused(transfer, "[{ arg = 2, eq = 1 }]"),
        error(
            "actions[0].rules[0].arg",
            "argument 2 is beyond `transfer(address,uint256)`, which has 2 arguments (arg = \
             0 to 1)"
        )
    );
    assert_eq!(
        refused("log(string)", r#"[{ arg = 0, eq = "hi" }]"#),
        error(
            "actions[0].rules[0].arg",
            "argument 0 is `string`, a dynamic type: its word holds an offset, not the value, \
             and the module compares one fixed word"
        )
    );
    assert_eq!(
        refused("move(int8,int8)", "[{ arg = 0, le = 3 }]"),
        error(
            "actions[0].rules[0].le",
            "`int8` is signed, and the module compares words as unsigned numbers: a negative \
             value would count as huge. Only eq and ne are exact on it"
        )
    );
    assert_eq!(
        refused(transfer, r#"[{ arg = 0, eq = "0xb0b" }]"#),
        error("actions[0].rules[0].eq", "`0xb0b` is no address")
    );
    assert_eq!(
        refused(transfer, r#"[{ arg = 1, le = "300", ge = "1" }]"#),
        error("actions[0].rules[0].ge", "one condition per rule: write two rules")
    );
    assert_eq!(
        refused(transfer, "[{ arg = 1 }]"),
        error("actions[0].rules[0]", "say one condition: eq, ne, le or ge")
    );
    assert_eq!(
        refused(transfer, "[{ le = 1 }]"),
        error("actions[0].rules[0]", "say which argument: arg or offset")
    );
    assert_eq!(
        refused(transfer, "[{ arg = 1, offset = 32, le = 1 }]").field,
        "actions[0].rules[0].offset"
    );
    assert_eq!(
        refused(transfer, "[{ offset = 65536, le = 1 }]"),
        error("actions[0].rules[0].offset", "byte offset 65536 is beyond the module's 16 bits")
    );
    assert!(refused("f((uint256,uint256))", "[{ arg = 0, le = 1 }]")
        .message
        .contains("several words: name one of them with `offset`"));
    let plain = bot(&format!(r#"[{{ target = "{USDC}", rules = [{{ arg = 0, eq = 1 }}] }}]"#), "");
    assert_eq!(
        plain.unwrap_err(),
        error("actions[0].rules", "a plain transfer has no arguments to rule on")
    );
}

#[test]
fn argument_rules_survive_serde_unchanged() {
    let policy = Policy::parse(&format!(
        r#"chain_id = 1
        module = "0x5e55105e55105e55105e55105e55105e55105e55"
        account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
        session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
        valid_until = 1900000000
        period = "1day"
        max_uses = 1
        [[actions]]
        target = "{USDC}"
        function = "transfer(address,uint256)"
        rules = [{{ arg = 0, eq = "{RECIPIENT}" }}, {{ arg = 1, le = 100 }}]"#
    ))
    .unwrap();
    let toml = toml::to_string(&policy).unwrap();
    let json = serde_json::to_string(&policy).unwrap();
    for text in [toml, json] {
        let again = Policy::parse(&text).unwrap().session(0).unwrap();
        assert_eq!(again, policy.session(0).unwrap(), "{text}");
    }
}

#[test]
fn a_period_makes_the_limits_count_per_period_and_must_fit_32_bit_indexes() {
    let with = |fields: &str| {
        Policy::parse(&format!(
            r#"chain_id = 1
            module = "0x5e55105e55105e55105e55105e55105e55105e55"
            account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
            session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
            max_uses = 3
            actions = [{{ target = "{USDC}", function = "transfer(address,uint256)" }}]
            {fields}"#
        ))
        .unwrap()
        .session(1_800_000_000)
    };
    let session = with("valid_for = \"30days\"\nperiod = \"1day\"").unwrap();
    assert_eq!(session.period, U48::from(86_400u64));
    assert_eq!(
        session.validUntil.to::<u64>(),
        1_800_000_000 + 30 * 86_400 - 1,
        "30 whole periods, not a 31st of one second"
    );
    assert_eq!(
        with("valid_for = \"1s\"\nperiod = \"1s\"").unwrap_err(),
        error("valid_for", "`1s` is too short: the session needs two seconds or more")
    );
    assert_eq!(with("valid_for = \"1h\"").unwrap().period, U48::ZERO, "none by default");

    // 2^32 periods of a second: the last index is 2^32 − 1, which the module still counts.
    let last = 1_800_000_000u64 + (1 << 32) - 1;
    assert!(with(&format!("valid_until = {last}\nperiod = \"1s\"")).is_ok());
    assert_eq!(
        with(&format!("valid_until = {}\nperiod = \"1s\"", last + 1)).unwrap_err(),
        error(
            "period",
            "`1s` is too short for the window of 4294967297 seconds: it makes 4294967297 \
             periods, and the module counts at most 2^32"
        )
    );
    assert_eq!(
        with("valid_for = \"1h\"\nperiod = \"0s\"").unwrap_err(),
        error("period", "`0s`: a period lasts 1 second to 2^48 − 1 seconds (or leave it out)")
    );
    assert_eq!(
        with("valid_for = \"1h\"\nperiod = \"1500ms\"").unwrap_err(),
        error("period", "`1500ms` is not a whole number of seconds")
    );
    assert!(with("valid_for = \"1h\"\nperiod = \"daily\"")
        .unwrap_err()
        .message
        .starts_with("`daily` is not a duration like \"2h\""));
}

#[test]
fn a_p256_session_key_is_its_public_key_and_the_session_holds_its_id() {
    // The P-256 key 0x4848…48 (public key computed apart, with Python's `cryptography`).
    let x = "42a51e039eb9e0b5ce58c4f1b8ebcb281fae32b90729711640b0cad4fc5c38c1";
    let y = "173c7e7b5be6ea94bb10e09fbee7c7b0838f3f4f88e01e911d30e44f4f3e9b32";
    let policy = |key_type: &str, key: &str| {
        Policy::parse(&format!(
            r#"chain_id = 1
            module = "0x5e55105e55105e55105e55105e55105e55105e55"
            account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
            session_key = "{key}"
            {key_type}
            valid_for = "1h"
            max_uses = 3
            actions = [{{ target = "{USDC}", function = "transfer(address,uint256)" }}]"#
        ))
        .unwrap()
        .session(1_800_000_000)
    };
    let xy: Vec<u8> = alloy_primitives::hex::decode(format!("{x}{y}")).unwrap();
    let id = B256::left_padding_from(&keccak256(&xy)[12..]);
    let p256 = "key_type = \"p256\"";
    for key in [format!("0x04{x}{y}"), format!("0x{x}{y}"), format!("0x02{x}")] {
        let session = policy(p256, &key).unwrap();
        assert_eq!((session.keyType, session.key), (KeyType::P256.code(), id), "{key}");
    }
    let secp256k1 = policy("", "0xb595b18c88b1f651ca387489067f855b5c8e6720").unwrap();
    assert_eq!(secp256k1.keyType, KeyType::Secp256k1.code(), "the default");

    assert_eq!(
        policy("", &format!("0x04{x}{y}")).unwrap_err(),
        error(
            "session_key",
            "65 bytes: a secp256k1 session key is named by its address (20 bytes, not zero); \
             a P-256 public key needs key_type = \"p256\""
        )
    );
    let off_curve = format!("0x04{x}{}", "00".repeat(32));
    assert_eq!(
        policy(p256, &off_curve).unwrap_err(),
        error(
            "session_key",
            "65 bytes that are no P-256 public key (say 0x04 ‖ x ‖ y, 65 bytes, or x ‖ y, 64 \
             bytes, of a point on the curve)"
        )
    );
    assert_eq!(
        policy(p256, "0xb595b18c88b1f651ca387489067f855b5c8e6720").unwrap_err().field,
        "session_key"
    );
    let ed25519 = Policy::parse("key_type = \"ed25519\"").unwrap_err();
    assert!(ed25519
        .message
        .contains("unknown variant `ed25519`, expected one of `secp256k1`, `p256`, `webauthn`, `webauthn-uv`, `multisig`"), "{}", ed25519.message);
}

#[test]
fn amounts_are_never_negative_nor_rounded() {
    let wei = |text| value("max_total_value", Some(text));
    assert_eq!(wei("0.01 ether"), Ok(U256::from(10u64.pow(16))));
    assert_eq!(wei("5000"), Ok(U256::from(5000)));
    assert_eq!(wei("-1 ether"), Err(error("max_total_value", "`-1 ether` is negative")));
    assert_eq!(wei("1.5 wei"), Err(error("max_total_value", "`1.5 wei` has more than 0 decimals")));
    assert!(wei("1 coin").unwrap_err().message.starts_with("`1 coin`: "));
}

#[test]
fn a_function_with_an_unknown_type_is_refused_as_call_data_refuses_it() {
    let example = include_str!("../../../../examples/game-session.toml");
    let text = example.replace("move(uint8,uint8)", "multicall(uint,bytez[])");
    let error = Policy::parse(&text).unwrap().session(1_800_000_000).unwrap_err();
    assert_eq!(error.field, "actions[0].function");
    assert_eq!(error.message, "`multicall(uint,bytez[])`: `bytez[]` is no ABI type");
    let calldata = crate::calls::function_data("function", "multicall(uint,bytez[])", &[]);
    assert_eq!(calldata.unwrap_err().message, error.message, "one parser");
}

#[test]
fn a_malformed_address_is_named_as_one() {
    let example = include_str!("../../../../examples/game-session.toml");
    for bad in ["0xa11ce", "0xa11cea11cea11cea11cea11cea11cea11cea11zz"] {
        let text = example.replace("0xa11cea11cea11cea11cea11cea11cea11cea11ce", bad);
        let error = Policy::parse(&text).unwrap_err();
        assert!(
            error.message.contains("line 5")
                && error.message.contains("an address is 0x and 40 hex digits"),
            "{error}"
        );
    }
}

#[test]
fn the_cli_page_lists_every_policy_field() {
    // The parser names every field it knows when it meets one it does not.
    let error = Policy::parse("no_such_field = 1").unwrap_err();
    let known = error.message.split("expected one of").nth(1).expect("the list of fields");
    let fields: Vec<&str> = known.split('`').skip(1).step_by(2).collect();
    assert!(fields.len() > 15, "{known}");
    let page = include_str!("../../../../docs/cli.md");
    for field in fields {
        let row = format!("| `{field}` |");
        let table = format!("| `[[{field}]]` |");
        let grant = format!("| `[{field}]` |");
        assert!(
            page.contains(&row) || page.contains(&table) || page.contains(&grant),
            "docs/cli.md's policy table lacks `{field}`"
        );
    }
}
