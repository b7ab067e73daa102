// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The game the session plays: moves cost what the player sends. Test counterpart.
contract Game {
    event Moved(address indexed player, uint8 x, uint8 y, uint256 paid);

    mapping(address player => uint256) public moves;

    /// Returns the player's moves so far, this one included.
    function move(uint8 x, uint8 y) external payable returns (uint256) {
        moves[msg.sender] += 1;
        emit Moved(msg.sender, x, y, msg.value);
        return moves[msg.sender];
    }

    function claimPrize() external {
        payable(msg.sender).transfer(address(this).balance);
    }
}
