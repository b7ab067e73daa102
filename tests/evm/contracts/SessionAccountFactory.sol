// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {SessionAccount} from "./SessionAccount.sol";

/// Deploys `SessionAccount`s by CREATE2, each with its owner's validator installed: an
/// account's address is known before it exists, so its first UserOperation can create it
/// (`initCode = factory ‖ createAccount(owner, salt)`), as wallets and permissionless expect.
/// Test counterpart, deployed by the local node.
contract SessionAccountFactory {
    IEntryPoint public immutable ENTRY_POINT;
    address public immutable OWNER_VALIDATOR;

    constructor(IEntryPoint entryPoint, address ownerValidator) {
        ENTRY_POINT = entryPoint;
        OWNER_VALIDATOR = ownerValidator;
    }

    /// The account of `owner` for `salt`, created unless it exists (the EntryPoint's sender
    /// creator calls this; calling it again returns the same account).
    function createAccount(address owner, uint256 salt) external returns (address) {
        address account = getAddress(owner, salt);
        if (account.code.length != 0) return account;
        return address(new SessionAccount{salt: bytes32(salt)}(ENTRY_POINT, OWNER_VALIDATOR, abi.encode(owner)));
    }

    /// Where `createAccount(owner, salt)` puts the account.
    function getAddress(address owner, uint256 salt) public view returns (address) {
        bytes memory args = abi.encode(ENTRY_POINT, OWNER_VALIDATOR, abi.encode(owner));
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(SessionAccount).creationCode, args));
        return Create2.computeAddress(bytes32(salt), initCodeHash);
    }
}
