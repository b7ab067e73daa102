// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {ISmartSessions} from "smart-sessions/ISmartSessions.sol";

/// What a Solidity integrator writes against the published interface (`abi/`): an ENABLE-mode
/// signature, `0x01 ‖ abi.encode(EnableSession)`, from its parts. `tests/solidity.rs` checks it
/// against the Rust client's encoding, so the interface's structs are the module's.
contract EnableEncoder {
    function enableSignature(
        ISmartSessions.SessionGrant calldata grant,
        ISmartSessions.ChainDigest[] calldata chains,
        uint256 chainIndex,
        bytes calldata ownerSignature,
        bytes calldata keySignature
    ) external pure returns (bytes memory) {
        ISmartSessions.EnableSession memory enable = ISmartSessions.EnableSession({
            grant: grant,
            chains: chains,
            chainIndex: chainIndex,
            ownerSignature: ownerSignature,
            keySignature: keySignature
        });
        return abi.encodePacked(bytes1(0x01), abi.encode(enable));
    }
}
