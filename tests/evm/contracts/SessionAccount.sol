// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// OpenZeppelin's ERC-7579 account, made concrete: it trusts the EntryPoint it is given,
/// installs its first validator (the owner's) at construction, and has an EIP-712 domain
/// (ERC-5267 `eip712Domain()`, which ERC-7739 signatures are bound to). Test counterpart.
contract SessionAccount is AccountERC7579, EIP712("SessionAccount", "1") {
    IEntryPoint private immutable ENTRY_POINT;

    constructor(IEntryPoint entryPoint_, address validator, bytes memory validatorData) {
        ENTRY_POINT = entryPoint_;
        _installModule(MODULE_TYPE_VALIDATOR, validator, validatorData);
    }

    function entryPoint() public view override returns (IEntryPoint) {
        return ENTRY_POINT;
    }
}
