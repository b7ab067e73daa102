// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// OpenZeppelin's ERC-20 with its whole supply minted to one holder. Test counterpart.
contract TestToken is ERC20("Test Dollar", "TUSD") {
    constructor(address holder, uint256 supply) {
        _mint(holder, supply);
    }
}
