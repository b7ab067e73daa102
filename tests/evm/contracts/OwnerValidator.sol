// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC7579Validator, MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// An ERC-7579 validator with one ECDSA owner per account: the owner signs `userOpHash` and
/// ERC-1271 hashes directly (65-byte r ‖ s ‖ v). Test counterpart, not for production.
contract OwnerValidator is IERC7579Validator {
    mapping(address account => address) public owner;

    function onInstall(bytes calldata data) external {
        owner[msg.sender] = abi.decode(data, (address));
    }

    function onUninstall(bytes calldata) external {
        delete owner[msg.sender];
    }

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external view returns (uint256) {
        return _signedBy(owner[msg.sender], userOpHash, userOp.signature) ? 0 : 1;
    }

    function isValidSignatureWithSender(address, bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        return _signedBy(owner[msg.sender], hash, signature) ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }

    function _signedBy(address signer, bytes32 hash, bytes calldata signature) private pure returns (bool) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer != address(0) && recovered == signer;
    }
}
