//! The calls a session makes, as people write them (`move(uint8,uint8)` with `["3", "4"]`,
//! "0.01 ether"), encoded as the account's `execute` calldata.

use alloy_dyn_abi::{JsonAbiExt, Specifier};
use alloy_json_abi::Function;
use alloy_primitives::{Address, Bytes};
use serde::Deserialize;
use session_core::interface::Execution;

use crate::{
    encode,
    policy::{self, PolicyError},
};

/// One call: `function(args…)` on `to`, sending `value`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// The contract called.
    pub to: Address,
    /// Value sent: `"0.01 ether"`, `"5 gwei"`, or wei (default 0).
    #[serde(default)]
    pub value: Option<String>,
    /// The function signature, `move(uint8,uint8)`; absent for a plain transfer.
    #[serde(default)]
    pub function: Option<String>,
    /// The function's arguments, in order, as strings (`"3"`, `"0xabc…"`, `"[1,2]"`).
    #[serde(default)]
    pub args: Vec<String>,
}

/// A batch file: `[[calls]]` tables in TOML, or `{"calls": [...]}` in JSON.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    calls: Vec<CallSpec>,
}

impl CallSpec {
    /// The call as an ERC-7579 `Execution`; `field` prefixes error paths (`calls[1]`).
    ///
    /// # Errors
    /// [`PolicyError`] naming the value, the function or the argument at fault.
    pub fn execution(&self, field: &str) -> Result<Execution, PolicyError> {
        let value = policy::value(&format!("{field}value"), self.value.as_deref())?;
        let data = match &self.function {
            None if self.args.is_empty() => Vec::new(),
            None => return Err(policy::error(format!("{field}args"), "arguments need a function")),
            Some(signature) => function_data(&format!("{field}function"), signature, &self.args)?,
        };
        Ok(Execution { target: self.to, value, callData: data.into() })
    }
}

/// `signature` (`move(uint8,uint8)`) as a function whose every input type is one the ABI has:
/// the one parser of function signatures, for policies and call data alike (alloy's parser
/// alone takes `bytez[]` as a type name).
///
/// # Errors
/// [`PolicyError`] on `field` for a signature that does not parse or names an unknown type.
pub fn parse_function(field: &str, signature: &str) -> Result<Function, PolicyError> {
    let function = Function::parse(signature)
        .map_err(|e| policy::error(field, format!("`{signature}`: {e}")))?;
    for input in &function.inputs {
        input.resolve().map_err(|_| {
            policy::error(field, format!("`{signature}`: `{}` is no ABI type", input.ty))
        })?;
    }
    Ok(function)
}

/// `signature`'s selector followed by `args` ABI-encoded as its inputs say.
///
/// # Errors
/// [`PolicyError`] on `field` for a signature that does not parse, a wrong argument count or
/// an argument its type does not accept.
pub fn function_data(
    field: &str,
    signature: &str,
    args: &[String],
) -> Result<Vec<u8>, PolicyError> {
    let function = parse_function(field, signature)?;
    if args.len() != function.inputs.len() {
        let message = format!("takes {} arguments, {} given", function.inputs.len(), args.len());
        return Err(policy::error(field, format!("`{signature}` {message}")));
    }
    let values = function
        .inputs
        .iter()
        .zip(args)
        .map(|(input, arg)| {
            let ty = input.resolve().map_err(|e| policy::error(field, e.to_string()))?;
            ty.coerce_str(arg)
                .map_err(|e| policy::error(field, format!("argument `{arg}` is no {ty}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    function.abi_encode_input(&values).map_err(|e| policy::error(field, e.to_string()))
}

/// The account's `execute` calldata for a batch file (TOML `[[calls]]`, or JSON
/// `{"calls": [...]}`): batch mode, whatever the number of calls.
///
/// # Errors
/// [`PolicyError`] for a file that does not parse, an empty batch, or a call at fault
/// (`calls[2].function: …`).
pub fn batch_calldata(text: &str) -> Result<Bytes, PolicyError> {
    let batch: Batch = policy::parse_text(text)?;
    if batch.calls.is_empty() {
        return Err(policy::error("calls", "a batch needs at least one call"));
    }
    let executions = batch
        .calls
        .iter()
        .enumerate()
        .map(|(i, call)| call.execution(&format!("calls[{i}].")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(encode::execute_batch(&executions))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use alloy_sol_types::{SolCall, SolValue};
    use session_core::interface::IERC7579Execution::executeCall;

    use super::*;

    #[test]
    fn a_batch_file_encodes_each_call_in_batch_mode() {
        let text = r#"
            [[calls]]
            to = "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e"
            function = "move(uint8,uint8)"
            args = ["3", "4"]
            value = "0.01 ether"

            [[calls]]
            to = "0x00000000000000000000000000000000000000b0"
            value = "7"
        "#;
        let call = executeCall::abi_decode(&batch_calldata(text).unwrap()).unwrap();
        assert_eq!(call.mode[0], 0x01, "batch call type");
        let calls = Vec::<Execution>::abi_decode(&call.executionCalldata).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].value, U256::from(10u64.pow(16)));
        assert_eq!(&calls[0].callData[..4], &[0x70, 0x1b, 0xd9, 0x85], "move(uint8,uint8)");
        assert_eq!(calls[0].callData[35], 3);
        assert_eq!(calls[0].callData[67], 4);
        assert_eq!((calls[1].value, calls[1].callData.len()), (U256::from(7), 0));
    }

    #[test]
    fn a_bad_call_names_its_index_and_field() {
        let bad_argument = r#"{"calls": [
            {"to": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e"},
            {"to": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e", "function": "move(uint8,uint8)",
             "args": ["3", "300"]}
        ]}"#;
        let error = batch_calldata(bad_argument).unwrap_err();
        assert_eq!(error.field, "calls[1].function");
        assert!(error.message.contains("argument `300` is no uint8"), "{error}");

        let arguments_without_function =
            r#"{"calls": [{"to": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e", "args": ["1"]}]}"#;
        assert_eq!(batch_calldata(arguments_without_function).unwrap_err().field, "calls[0].args");
        assert_eq!(batch_calldata(r#"{"calls": []}"#).unwrap_err().field, "calls");
    }
}
