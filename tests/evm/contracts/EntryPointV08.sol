// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Compiles the real ERC-4337 EntryPoint v0.8 from its npm package (aliased `ep08`).
import {EntryPoint} from "ep08/core/EntryPoint.sol";
