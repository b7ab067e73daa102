// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/// OpenZeppelin's ERC-7579 account, made concrete: it trusts the EntryPoint it is given and
/// installs its first validator (the owner's) at construction. Test counterpart.
contract SessionAccount is AccountERC7579 {
    IEntryPoint private immutable ENTRY_POINT;

    constructor(IEntryPoint entryPoint_, address validator, bytes memory validatorData) {
        ENTRY_POINT = entryPoint_;
        _installModule(MODULE_TYPE_VALIDATOR, validator, validatorData);
    }

    function entryPoint() public view override returns (IEntryPoint) {
        return ENTRY_POINT;
    }
}
