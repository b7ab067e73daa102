//! The node's funded dev keys: anvil's, from the well-known test mnemonic ("test test … junk"),
//! so tools' defaults and habits work unchanged. Never use them on a real chain.

use alloy_primitives::{hex, Address, B256};
use k256::ecdsa::SigningKey;

/// Anvil's first ten private keys (`m/44'/60'/0'/0/i` of the test mnemonic).
const KEYS: [&str; 10] = [
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// A dev key and its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevKey {
    /// The private key.
    pub private_key: B256,
    /// Its address.
    pub address: Address,
}

/// The dev keys, in anvil's order.
pub fn dev_keys() -> Vec<DevKey> {
    KEYS.iter()
        .map(|key| {
            let private_key = B256::from_slice(&hex::decode(key).expect("the keys are hex"));
            let signer = SigningKey::from_slice(private_key.as_slice()).expect("valid keys");
            DevKey { private_key, address: Address::from_public_key(signer.verifying_key()) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use alloy_primitives::address;

    use super::*;

    #[test]
    fn dev_keys_are_anvils_addresses() {
        let addresses: Vec<Address> = dev_keys().iter().map(|key| key.address).collect();
        assert_eq!(
            addresses,
            [
                address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
                address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"),
                address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
                address!("90F79bf6EB2c4f870365E785982E1f101E93b906"),
                address!("15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
                address!("9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
                address!("976EA74026E726554dB657fA54763abd0C3a0aa9"),
                address!("14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
                address!("23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
                address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720"),
            ]
        );
    }
}
