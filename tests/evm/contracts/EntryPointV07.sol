// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Compiles the real ERC-4337 EntryPoint v0.7 from its npm package.
import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
