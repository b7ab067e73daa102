//! The node over HTTP, as wallets and tools use it: signed transactions mined one per block,
//! receipts and logs, calls with block tags and state overrides, dev controls of the clock and
//! balances, and JSON-RPC errors (never a dead node) for whatever bad input arrives.

mod support;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{hex, keccak256, Address, Bytes, Signature, TxKind, B256, U256};
use alloy_sol_types::{sol, SolCall};
use dev_node::{
    keys::{dev_keys, DevKey},
    setup::{self, Artifacts},
};
use k256::ecdsa::SigningKey;
use serde_json::{json, Value};
use support::{number, workspace, Node};

sol! {
    function move(uint8 x, uint8 y) external payable returns (uint256);
    function moves(address player) external view returns (uint256);
    function revokeSessionByKey(address account, bytes32 permissionId) external;
    function onInstall(bytes data) external;
    error SessionNotEnabled(bytes32 permissionId, address account);
    function createAccount(address owner, uint256 salt) external returns (address);
    function getAddress(address owner, uint256 salt) external view returns (address);
    function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext)
        external view returns (bool);
}

/// `Moved(address indexed player, uint8 x, uint8 y, uint256 paid)`.
fn moved_topic() -> B256 {
    keccak256("Moved(address,uint8,uint8,uint256)")
}

/// `tx` signed by `key`, as `eth_sendRawTransaction` takes it.
fn signed<T>(tx: T, key: &DevKey) -> String
where
    T: SignableTransaction<Signature>,
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let signer = SigningKey::from_slice(key.private_key.as_slice()).expect("a dev key");
    let (signature, parity) =
        signer.sign_prehash_recoverable(tx.signature_hash().as_slice()).expect("signs");
    let signature = Signature::from_signature_and_parity(signature, parity.is_y_odd());
    let envelope = TxEnvelope::from(tx.into_signed(signature));
    hex::encode_prefixed(envelope.encoded_2718())
}

/// An EIP-1559 transaction of the node's chain paying its base fee.
fn eip1559(nonce: u64, to: Address, value: u128, input: Vec<u8>, gas_limit: u64) -> TxEip1559 {
    TxEip1559 {
        chain_id: 412_346,
        nonce,
        gas_limit,
        max_fee_per_gas: 1_000_000_000,
        max_priority_fee_per_gas: 0,
        to: TxKind::Call(to),
        value: U256::from(value),
        access_list: Default::default(),
        input: Bytes::from(input),
    }
}

fn move_data(x: u8, y: u8) -> Vec<u8> {
    moveCall { x, y }.abi_encode()
}

fn game(node: &Node) -> Address {
    node.address("game").parse().expect("the game's address")
}

/// `game.moves(player)` at `block`.
fn moves_at(node: &Node, player: Address, block: Value) -> U256 {
    let call = json!({ "to": game(node), "data": hex::encode_prefixed(movesCall { player }.abi_encode()) });
    let output = node.ok("eth_call", json!([call, block]));
    U256::from_str_radix(output.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn signed_transactions_are_mined_with_receipts_logs_and_history() {
    let node = Node::start();
    let (alice, game) = (dev_keys()[3], game(&node));
    assert_eq!(node.ok("eth_chainId", json!([])), "0x64aba");
    assert_eq!(node.ok("net_version", json!([])), "412346");
    assert!(node.ok("web3_clientVersion", json!([])).as_str().unwrap().contains("dev-node"));
    let before = node.ok("eth_getBalance", json!([alice.address, "latest"]));
    // A legacy transaction (EIP-155) and an EIP-1559 one, each mined in a block of its own.
    let legacy = TxLegacy {
        chain_id: Some(412_346),
        nonce: 0,
        gas_price: 200_000_000,
        gas_limit: 100_000,
        to: TxKind::Call(game),
        value: U256::from(5u8),
        input: move_data(1, 2).into(),
    };
    let first = node.ok("eth_sendRawTransaction", json!([signed(legacy, &alice)]));
    let second = node.ok(
        "eth_sendRawTransaction",
        json!([signed(eip1559(1, game, 7, move_data(3, 4), 100_000), &alice)]),
    );
    assert_eq!(number(&node.ok("eth_blockNumber", json!([]))), 2);
    let receipt = node.ok("eth_getTransactionReceipt", json!([second]));
    assert_eq!(
        (receipt["status"].as_str(), receipt["blockNumber"].as_str()),
        (Some("0x1"), Some("0x2"))
    );
    let log = &receipt["logs"][0];
    assert_eq!(log["address"].as_str().unwrap().parse::<Address>().unwrap(), game);
    assert_eq!(log["topics"][0].as_str().unwrap().parse::<B256>().unwrap(), moved_topic());
    // Fees: the sender paid the values and gas × effective price, to the wei.
    let first_receipt = node.ok("eth_getTransactionReceipt", json!([first]));
    let paid =
        |receipt: &Value| number(&receipt["gasUsed"]) * number(&receipt["effectiveGasPrice"]);
    assert_eq!(number(&first_receipt["effectiveGasPrice"]), 200_000_000);
    assert_eq!(number(&receipt["effectiveGasPrice"]), 100_000_000);
    let after = node.ok("eth_getBalance", json!([alice.address, "latest"]));
    let spent = U256::from(paid(&first_receipt) + paid(&receipt) + 12);
    let balance = |value: &Value| value.as_str().unwrap().parse::<U256>().unwrap();
    assert_eq!(balance(&before) - balance(&after), spent);
    // Transactions and blocks, by hash and number.
    let tx = node.ok("eth_getTransactionByHash", json!([first]));
    assert_eq!(
        (tx["from"].as_str().unwrap().parse::<Address>().unwrap(), tx["type"].as_str()),
        (alice.address, Some("0x0"))
    );
    let block = node.ok("eth_getBlockByNumber", json!(["0x1", true]));
    assert_eq!(block["transactions"][0]["hash"], first);
    let by_hash = node.ok("eth_getBlockByHash", json!([block["hash"], false]));
    assert_eq!(by_hash["transactions"], json!([first]));
    assert_eq!(node.ok("eth_getBlockByNumber", json!(["0x63", false])), Value::Null);
    // Logs by address and by topic (the player's), over a range.
    let player = B256::left_padding_from(alice.address.as_slice());
    let filter = json!({ "fromBlock": "0x0", "toBlock": "latest", "address": game, "topics": [moved_topic(), player] });
    let logs = node.ok("eth_getLogs", json!([filter]));
    let hashes: Vec<&Value> =
        logs.as_array().unwrap().iter().map(|log| &log["transactionHash"]).collect();
    assert_eq!(hashes, [&first, &second]);
    let other = json!({ "fromBlock": "0x0", "topics": [moved_topic(), B256::ZERO] });
    assert_eq!(node.ok("eth_getLogs", json!([other])), json!([]));
    // State by block: two moves now, one after block 1; storage slot keccak(player ‖ 0).
    assert_eq!(moves_at(&node, alice.address, json!("latest")), U256::from(2));
    assert_eq!(moves_at(&node, alice.address, json!("0x1")), U256::from(1));
    let slot = keccak256([player.as_slice(), &[0u8; 32]].concat());
    let word = node.ok("eth_getStorageAt", json!([game, slot, "latest"]));
    assert_eq!(word.as_str().unwrap().parse::<B256>().unwrap(), B256::with_last_byte(2));
    assert_eq!(node.ok("eth_getTransactionCount", json!([alice.address, "latest"])), "0x2");
    assert_eq!(node.ok("eth_getTransactionCount", json!([alice.address, "0x1"])), "0x1");
    assert!(node.ok("eth_getCode", json!([game, "latest"])).as_str().unwrap().len() > 100);
}

#[test]
fn calls_take_overrides_estimate_gas_and_report_reverts_with_their_data() {
    let node = Node::start();
    let (bob, game) = (dev_keys()[4], game(&node));
    // A state override: the moves slot of bob set to 9 for this call only.
    let player = B256::left_padding_from(bob.address.as_slice());
    let slot = keccak256([player.as_slice(), &[0u8; 32]].concat());
    let call = json!({ "to": game, "data": hex::encode_prefixed(movesCall { player: bob.address }.abi_encode()) });
    let overrides =
        json!({ game.to_string(): { "stateDiff": { slot.to_string(): B256::with_last_byte(9) } } });
    let output = node.ok("eth_call", json!([call, "latest", overrides]));
    assert_eq!(output.as_str().unwrap().parse::<B256>().unwrap(), B256::with_last_byte(9));
    assert_eq!(moves_at(&node, bob.address, json!("latest")), U256::ZERO);
    // The module (Stylus) reverts with its custom error: code 3, the error's ABI encoding.
    let module: Address = node.address("module").parse().unwrap();
    let data = revokeSessionByKeyCall { account: bob.address, permissionId: B256::repeat_byte(7) };
    let call = json!({ "from": bob.address, "to": module, "data": hex::encode_prefixed(data.abi_encode()) });
    let error = node.call("eth_call", json!([call, "latest"])).unwrap_err();
    let expected = SessionNotEnabled { permissionId: B256::repeat_byte(7), account: bob.address };
    assert_eq!(
        (error["code"].as_i64(), error["message"].as_str()),
        (Some(3), Some("execution reverted"))
    );
    assert_eq!(
        error["data"],
        hex::encode_prefixed(alloy_sol_types::SolError::abi_encode(&expected))
    );
    assert_eq!(node.call("eth_estimateGas", json!([call])).unwrap_err()["code"], 3);
    // An estimate is enough gas, and not much more than the transaction uses.
    let call =
        json!({ "from": bob.address, "to": game, "data": hex::encode_prefixed(move_data(1, 1)) });
    let estimate = number(&node.ok("eth_estimateGas", json!([call])));
    let hash = node.ok(
        "eth_sendRawTransaction",
        json!([signed(eip1559(0, game, 0, move_data(1, 1), estimate), &bob)]),
    );
    let used = number(&node.ok("eth_getTransactionReceipt", json!([hash]))["gasUsed"]);
    assert!(used <= estimate && estimate <= used + used / 10, "used {used}, estimated {estimate}");
    // Fees and gas price: a constant base fee, no tips.
    assert_eq!(node.ok("eth_gasPrice", json!([])), "0x5f5e100");
    assert_eq!(node.ok("eth_maxPriorityFeePerGas", json!([])), "0x0");
    // Blocks 0 and 1: a base fee for each and the next, one reward per percentile.
    let history = node.ok("eth_feeHistory", json!(["0x2", "latest", [20.0]]));
    assert_eq!(history["oldestBlock"], "0x0");
    assert_eq!(history["baseFeePerGas"], json!(["0x5f5e100", "0x5f5e100", "0x5f5e100"]));
    assert_eq!(history["gasUsedRatio"].as_array().map(Vec::len), Some(2));
    assert_eq!(history["reward"][1], json!(["0x0"]));
}

#[test]
fn dev_controls_move_time_and_balances() {
    let node = Node::start();
    let latest = |node: &Node| node.ok("eth_getBlockByNumber", json!(["latest", false]));
    let start = number(&latest(&node)["timestamp"]);
    // Two hours on: the next block is at least that late.
    node.ok("evm_increaseTime", json!([7200]));
    node.ok("evm_mine", json!([]));
    assert!(number(&latest(&node)["timestamp"]) >= start + 7200);
    // An exact time for the next block, which must be later than the latest.
    let at = start + 100_000;
    assert_eq!(node.ok("evm_setNextBlockTimestamp", json!([at])), Value::Null);
    node.ok("evm_mine", json!([]));
    assert_eq!(number(&latest(&node)["timestamp"]), at);
    assert_eq!(node.call("evm_setNextBlockTimestamp", json!([at])).unwrap_err()["code"], -32602);
    node.ok("evm_mine", json!([{ "timestamp": at + 5 }]));
    assert_eq!(number(&latest(&node)["timestamp"]), at + 5);
    assert_eq!(number(&node.ok("eth_blockNumber", json!([]))), 3);
    let nobody = Address::repeat_byte(0x42);
    node.ok("anvil_setBalance", json!([nobody, "0x1000"]));
    assert_eq!(node.ok("eth_getBalance", json!([nobody, "latest"])), "0x1000");
}

#[test]
fn bad_input_gets_json_rpc_errors_and_the_node_keeps_serving() {
    let node = Node::start();
    let (carol, game) = (dev_keys()[5], game(&node));
    let request = |method: &str, params: Value| {
        json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": params }).to_string()
    };
    let bad_signature = {
        let mut raw = hex::decode(signed(eip1559(0, game, 0, vec![], 50_000), &carol)).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 0xff; // s changed: recovers another sender or none
        raw.truncate(last - 1); // and cut short: no longer decodes
        hex::encode_prefixed(raw)
    };
    let cases: Vec<(String, i64)> = vec![
        ("{bad json".into(), -32700),
        ("\u{0}\u{1}\u{2}".into(), -32700),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":".into(), -32700),
        (request("eth_nope", json!([])), -32601),
        (request("debug_traceCall", json!([])), -32601),
        (request("eth_getBalance", json!(["0xzz"])), -32602),
        (request("eth_getBalance", json!([])), -32602),
        (request("eth_call", json!([{ "to": "0x1" }])), -32602),
        (request("eth_sendRawTransaction", json!(["0xdeadbeef"])), -32602),
        (request("eth_sendRawTransaction", json!(["not hex"])), -32602),
        (request("eth_sendRawTransaction", json!([bad_signature])), -32602),
        (request("eth_getBlockByNumber", json!([{ "no": 1 }])), -32602),
        (request("eth_feeHistory", json!([[], "latest"])), -32602),
        (request("evm_increaseTime", json!(["soon"])), -32602),
        (request("eth_getStorageAt", json!([game, "0x0", "0x99"])), -32001),
    ];
    for round in 0..20 {
        for (body, code) in &cases {
            let (_, answer) = node.post(body);
            assert_eq!(
                answer["error"]["code"].as_i64(),
                Some(*code),
                "round {round}: {body} -> {answer}"
            );
        }
    }
    // Transactions the chain refuses: nothing is mined, each says why.
    let refused = |raw: String, why: &str| {
        let error = node.call("eth_sendRawTransaction", json!([raw])).unwrap_err();
        assert_eq!(error["code"], -32000, "{error}");
        assert!(error["message"].as_str().unwrap().contains(why), "{error}");
    };
    refused(signed(eip1559(3, game, 0, move_data(0, 0), 60_000), &carol), "nonce too high");
    refused(signed(eip1559(0, game, 0, move_data(0, 0), 31_000_000), &carol), "block gas limit");
    refused(
        signed(TxEip1559 { chain_id: 1, ..eip1559(0, game, 0, vec![], 60_000) }, &carol),
        "chain",
    );
    refused(
        signed(TxEip1559 { max_fee_per_gas: 1, ..eip1559(0, game, 0, vec![], 60_000) }, &carol),
        "basefee",
    );
    refused(signed(eip1559(0, game, 0, move_data(0, 0), 21_000), &carol), "gas");
    assert_eq!(number(&node.ok("eth_blockNumber", json!([]))), 0);
    // Out of gas is no refusal: the transaction is mined, failed, and its nonce used.
    let starved = node.ok(
        "eth_sendRawTransaction",
        json!([signed(eip1559(0, game, 0, move_data(0, 0), 22_000), &carol)]),
    );
    assert_eq!(node.ok("eth_getTransactionReceipt", json!([starved]))["status"], "0x0");
    refused(signed(eip1559(0, game, 0, move_data(0, 0), 60_000), &carol), "nonce too low");
    // And the node still serves a valid transaction.
    let hash = node.ok(
        "eth_sendRawTransaction",
        json!([signed(eip1559(1, game, 0, move_data(0, 0), 60_000), &carol)]),
    );
    assert_eq!(node.ok("eth_getTransactionReceipt", json!([hash]))["status"], "0x1");
}

#[test]
fn concurrent_clients_are_served_one_transaction_at_a_time() {
    let node = Node::start();
    let game = game(&node);
    let keys = &dev_keys()[6..10];
    std::thread::scope(|scope| {
        for key in keys {
            let node = &node;
            scope.spawn(move || {
                for nonce in 0..5 {
                    let raw = signed(eip1559(nonce, game, 0, move_data(0, 0), 80_000), key);
                    node.ok("eth_sendRawTransaction", json!([raw]));
                }
            });
        }
    });
    assert_eq!(number(&node.ok("eth_blockNumber", json!([]))), 20);
    for number_ in 1..=20u64 {
        let block = node.ok("eth_getBlockByNumber", json!([format!("{number_:#x}"), false]));
        assert_eq!(block["transactions"].as_array().map(Vec::len), Some(1));
    }
    for key in keys {
        assert_eq!(moves_at(&node, key.address, json!("latest")), U256::from(5));
        assert_eq!(node.ok("eth_getTransactionCount", json!([key.address, "latest"])), "0x5");
    }
}

#[test]
fn stylus_gas_is_charged_as_the_in_process_chain_charges_it() {
    let node = Node::start();
    let key = dev_keys()[2];
    let module: Address = node.address("module").parse().unwrap();
    // onInstall from a dev key: a Stylus frame that writes storage and logs.
    let data = onInstallCall { data: Bytes::new() }.abi_encode();
    let raw = signed(eip1559(0, module, 0, data.clone(), 500_000), &key);
    let hash = node.ok("eth_sendRawTransaction", json!([raw]));
    let used = number(&node.ok("eth_getTransactionReceipt", json!([hash]))["gasUsed"]);
    // The same call on an in-process chain set up as the node sets itself up.
    let mut chain = local_chain::Chain::new(412_346, 0);
    setup::deploy(&mut chain, &Artifacts { dir: workspace().join("target") }).unwrap();
    let result = chain.call(key.address, module, data, U256::ZERO);
    assert_eq!(used, result.tx_gas_used());
    // The receipt holds the whole Stylus frame: entry, ink and storage at Nitro's prices.
    let [frame] = chain.stylus_frames() else {
        panic!("one Stylus frame: {:?}", chain.stylus_frames())
    };
    assert!(frame.entry_gas > 0 && used >= 21_000 + frame.gas, "{used} gas, frame {frame:?}");
}

#[test]
fn contracts_deploy_by_create_and_through_the_create2_deployer() {
    let node = Node::start();
    let key = dev_keys()[1];
    let deployer: Address = node.address("CREATE2 deployer").parse().unwrap();
    // Init code returning the one-byte runtime code 0x2a: PUSH1 0x2a PUSH0 MSTORE8
    // PUSH1 1 PUSH0 RETURN.
    let init = vec![0x60, 0x2a, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xf3];
    let salt = B256::repeat_byte(0x11);
    let data = [salt.as_slice(), &init].concat();
    let raw = signed(eip1559(0, deployer, 0, data, 200_000), &key);
    let hash = node.ok("eth_sendRawTransaction", json!([raw]));
    assert_eq!(node.ok("eth_getTransactionReceipt", json!([hash]))["status"], "0x1");
    let created = deployer.create2(salt, keccak256(&init));
    assert_eq!(node.ok("eth_getCode", json!([created, "latest"])), "0x2a");
    // A plain CREATE (no `to`): the receipt names the new contract.
    let create = TxEip1559 { to: TxKind::Create, ..eip1559(1, deployer, 0, init, 100_000) };
    let hash = node.ok("eth_sendRawTransaction", json!([signed(create, &key)]));
    let receipt = node.ok("eth_getTransactionReceipt", json!([hash]));
    let address = key.address.create(1);
    assert_eq!(receipt["contractAddress"].as_str().unwrap().parse::<Address>().unwrap(), address);
    assert_eq!(node.ok("eth_getCode", json!([address, "latest"])), "0x2a");
}

#[test]
fn the_account_factory_creates_an_account_where_it_said_with_its_owner_validator() {
    let node = Node::start();
    let factory: Address = node.address("account factory").parse().unwrap();
    let validator: Address = node.address("owner validator").parse().unwrap();
    let (key, owner) = (dev_keys()[5], dev_keys()[6].address);
    let salt = U256::from(7);
    let eth_call = |to: Address, data: Vec<u8>| {
        let call = json!({ "to": to, "data": hex::encode_prefixed(data) });
        let output = node.ok("eth_call", json!([call, "latest"]));
        hex::decode(output.as_str().unwrap()).unwrap()
    };
    let predicted = getAddressCall { owner, salt }.abi_encode();
    let predicted = getAddressCall::abi_decode_returns(&eth_call(factory, predicted)).unwrap();
    assert_eq!(node.ok("eth_getCode", json!([predicted, "latest"])), "0x");
    let create = createAccountCall { owner, salt }.abi_encode();
    let raw = signed(eip1559(0, factory, 0, create.clone(), 3_000_000), &key);
    let hash = node.ok("eth_sendRawTransaction", json!([raw]));
    assert_eq!(node.ok("eth_getTransactionReceipt", json!([hash]))["status"], "0x1");
    assert_ne!(node.ok("eth_getCode", json!([predicted, "latest"])), "0x");
    let installed = isModuleInstalledCall {
        moduleTypeId: U256::from(1),
        module: validator,
        additionalContext: Bytes::new(),
    };
    let answer = eth_call(predicted, installed.abi_encode());
    assert!(isModuleInstalledCall::abi_decode_returns(&answer).unwrap());
    // Again: the same account, nothing created.
    let again = createAccountCall::abi_decode_returns(&eth_call(factory, create)).unwrap();
    assert_eq!(again, predicted);
}
