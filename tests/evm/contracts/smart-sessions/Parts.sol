// SPDX-License-Identifier: MIT
pragma solidity ^0.8.25;

// The parts Rhinestone's SmartSession module needs and npm does not publish: a secp256k1
// session validator and three policies, written here from the module's
// interfaces (its ABI in @rhinestone/modulekit@0.5.9) so that `make bench` can run the same
// game session through it, on the same chain, beside this project's module. Not products:
// each does the least its interface asks.

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {PackedUserOperation} from "@account-abstraction/contracts/interfaces/PackedUserOperation.sol";
import {LibZip} from "solady/utils/LibZip.sol";

/// ERC-165, as the module asks each policy which kind it is.
interface IERC165 {
    function supportsInterface(bytes4 interfaceId) external view returns (bool);
}

/// SmartSession's policy interfaces (`ConfigId` is a bytes32): each policy is enabled once per
/// (config id, module, account) with its init data, then asked on every use.
interface IPolicy is IERC165 {
    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external;
}

interface IUserOpPolicy is IPolicy {
    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp) external returns (uint256);
}

interface IActionPolicy is IPolicy {
    function checkAction(bytes32 id, address account, address target, uint256 value, bytes calldata data)
        external
        returns (uint256);
}

// ERC-4337 validation data: 0 passes, 1 fails; a window in the upper bits.
uint256 constant PASS = 0;
uint256 constant FAIL = 1;

/// A session key is an address; the session's init data is that address (20 bytes), and it
/// signs the UserOperation hash itself. ERC-7579 module type 7: a stateless validator.
contract EcdsaSessionValidator {
    function validateSignatureWithData(bytes32 hash, bytes calldata sig, bytes calldata data)
        external
        pure
        returns (bool)
    {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, sig);
        return error == ECDSA.RecoverError.NoError && data.length == 20 && signer == address(bytes20(data));
    }

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == 7;
    }

    function onInstall(bytes calldata) external {}

    function onUninstall(bytes calldata) external {}

    function isInitialized(address) external pure returns (bool) {
        return true;
    }
}

/// Allows everything it is asked about: the "sudo" baseline.
contract SudoPolicy is IUserOpPolicy, IActionPolicy {
    function initializeWithMultiplexer(address, bytes32, bytes calldata) external {}

    function checkUserOpPolicy(bytes32, PackedUserOperation calldata) external pure returns (uint256) {
        return PASS;
    }

    function checkAction(bytes32, address, address, uint256, bytes calldata) external pure returns (uint256) {
        return PASS;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == type(IUserOpPolicy).interfaceId || id == type(IActionPolicy).interfaceId
            || id == type(IERC165).interfaceId;
    }
}

/// A UserOperation policy: the session's window, returned as validation data for the
/// EntryPoint to enforce (validation may not read the clock). Init data: `abi.encode(uint48
/// validAfter, uint48 validUntil)`. Kept per (config, module, account), the account last so
/// the slot is associated with it (ERC-7562).
contract WindowPolicy is IUserOpPolicy {
    mapping(bytes32 => mapping(address => mapping(address => uint256))) internal windows;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        (uint48 validAfter, uint48 validUntil) = abi.decode(initData, (uint48, uint48));
        windows[configId][msg.sender][account] = (uint256(validAfter) << 48) | validUntil;
    }

    function checkUserOpPolicy(bytes32 id, PackedUserOperation calldata userOp) external view returns (uint256) {
        uint256 window = windows[id][msg.sender][userOp.sender];
        if (window == 0) return FAIL;
        return ((window >> 48) << 208) | (uint256(uint48(window)) << 160);
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == type(IUserOpPolicy).interfaceId || id == type(IERC165).interfaceId;
    }
}

/// An action policy: at most `perCall` wei a call and `total` wei in all. Init data:
/// `abi.encode(uint256 perCall, uint256 total)`, each at most 2^80 − 1 wei (1.2 million ether)
/// so that the limits and the running total share one slot: a use reads one word and rewrites
/// it, never filling an empty one (as this project's module keeps its counters).
contract ValueLimitPolicy is IActionPolicy {
    struct Limit {
        uint80 perCall;
        uint80 total;
        uint80 spent;
    }

    mapping(bytes32 => mapping(address => mapping(address => Limit))) internal limits;

    function initializeWithMultiplexer(address account, bytes32 configId, bytes calldata initData) external {
        (uint256 perCall, uint256 total) = abi.decode(initData, (uint256, uint256));
        limits[configId][msg.sender][account] = Limit(uint80(perCall), uint80(total), 0);
    }

    function checkAction(bytes32 id, address account, address, uint256 value, bytes calldata)
        external
        returns (uint256)
    {
        Limit memory limit = limits[id][msg.sender][account];
        uint256 spent = limit.spent + value;
        if (value > limit.perCall || spent > limit.total) return FAIL;
        limits[id][msg.sender][account].spent = uint80(spent);
        return PASS;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == type(IActionPolicy).interfaceId || id == type(IERC165).interfaceId;
    }
}

/// Solady's LibZip (FastLZ), which SmartSession's USE and ENABLE signatures are compressed
/// with, for the bench to call: the compressor is the library's, not a copy.
contract FlzCodec {
    function compress(bytes calldata data) external pure returns (bytes memory) {
        return LibZip.flzCompress(data);
    }
}
