// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPaymaster} from "@account-abstraction/contracts/interfaces/IPaymaster.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";

/// A paymaster that sponsors every operation the EntryPoint hands it, from its deposit there.
/// Test counterpart: what a session's listed paymaster does.
contract TestPaymaster is IPaymaster {
    address public immutable entryPoint;

    constructor(address entryPoint_) {
        entryPoint = entryPoint_;
    }

    function validatePaymasterUserOp(PackedUserOperation calldata, bytes32, uint256)
        external
        view
        returns (bytes memory context, uint256 validationData)
    {
        require(msg.sender == entryPoint, "only the EntryPoint");
        return ("", 0);
    }

    function postOp(PostOpMode, bytes calldata, uint256, uint256) external view {
        require(msg.sender == entryPoint, "only the EntryPoint");
    }
}
