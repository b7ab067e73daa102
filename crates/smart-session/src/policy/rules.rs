//! A policy's actions and argument rules → the module's `Action`s and `ArgRule`s, words placed
//! by the function's signature.

use super::*;

impl ActionPolicy {
    pub(super) fn action(&self, index: usize) -> Result<Action, PolicyError> {
        let field = |name: &str| format!("actions[{index}].{name}");
        Ok(Action {
            target: self.target,
            selector: self.selector(&field("function"))?,
            maxValuePerCall: wei_cap(
                &field("max_value_per_call"),
                self.max_value_per_call.as_deref(),
            )?,
        })
    }

    /// The selector of `function`, or the plain transfer's when it is absent.
    ///
    /// # Errors
    /// [`PolicyError`] on `field` for a signature that does not parse, or a selector that is
    /// not 4 bytes (or is the plain transfer's).
    pub(crate) fn selector(&self, field: &str) -> Result<FixedBytes<4>, PolicyError> {
        Ok(match &self.function {
            None => TRANSFER_SELECTOR,
            Some(selector) if selector.starts_with("0x") => selector
                .parse::<FixedBytes<4>>()
                .ok()
                .filter(|selector| *selector != TRANSFER_SELECTOR)
                .ok_or_else(|| error(field, format!("`{selector}` is no selector")))?,
            Some(signature) => FixedBytes(parse_function(field, signature)?.selector().0),
        })
    }
}

impl ActionPolicy {
    /// The module's rules of this action (entry `index`), once `action` is built from it.
    pub(super) fn arg_rules(
        &self,
        index: usize,
        action: &Action,
    ) -> Result<Vec<ArgRule>, PolicyError> {
        let field = format!("actions[{index}].rules");
        if self.rules.is_empty() {
            return Ok(Vec::new());
        }
        if self.rules.len() > usize::from(MAX_ARG_RULES) {
            return Err(error(
                field,
                format!(
                    "{} rules: the module holds at most {MAX_ARG_RULES} per action (it refuses \
                     the next with ArgumentRuleInvalid)",
                    self.rules.len()
                ),
            ));
        }
        if action.selector == TRANSFER_SELECTOR {
            return Err(error(field, "a plain transfer has no arguments to rule on"));
        }
        // The argument types, when the function is a signature (not a bare selector).
        let inputs = match self.function.as_deref() {
            Some(signature) if !signature.starts_with("0x") => {
                let function = parse_function(&field, signature)?;
                let types = function
                    .inputs
                    .iter()
                    .map(|input| input.resolve())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| error(format!("actions[{index}].function"), e.to_string()))?;
                Some((signature, types))
            }
            _ => None,
        };
        self.rules
            .iter()
            .enumerate()
            .map(|(k, rule)| {
                let (offset, value, condition) =
                    rule.word(&format!("{field}[{k}]"), inputs.as_ref())?;
                Ok(ArgRule {
                    target: action.target,
                    selector: action.selector,
                    offset,
                    condition,
                    value,
                })
            })
            .collect()
    }
}

impl ArgRulePolicy {
    /// The rule as the module holds it: the word's byte offset, the value word and the
    /// condition code. `inputs` are the function's signature and argument types, if known.
    fn word(
        &self,
        field: &str,
        inputs: Option<&(&str, Vec<DynSolType>)>,
    ) -> Result<(u16, B256, u8), PolicyError> {
        let at = |name: &str| format!("{field}.{name}");
        let keywords = listed(Condition::ALL.iter().map(|condition| condition.keyword()), "or");
        if let Some(name) = self.conditions.keys().find(|k| Condition::from_keyword(k).is_none()) {
            let symbols: Vec<&str> =
                Condition::ALL.iter().map(|condition| condition.symbol()).collect();
            let symbols = symbols.join(", ");
            return Err(error(
                at(name),
                format!("`{name}` is no condition: say {keywords} ({symbols})"),
            ));
        }
        // In the order conditions are listed, so that a second one is named as such.
        let mut conditions = Condition::ALL
            .iter()
            .filter_map(|&condition| Some((condition, self.conditions.get(condition.keyword())?)));
        let (condition, value) = match (conditions.next(), conditions.next()) {
            (Some(only), None) => only,
            (None, _) => return Err(error(field, format!("say one condition: {keywords}"))),
            (Some(_), Some((second, _))) => {
                return Err(error(at(second.keyword()), "one condition per rule: write two rules"))
            }
        };
        let keyword = condition.keyword();
        let (offset, ty) = match (self.arg, self.offset, inputs) {
            (Some(_), Some(_), _) => {
                return Err(error(at("offset"), "say arg or offset, not both"));
            }
            (None, None, _) => return Err(error(field, "say which argument: arg or offset")),
            (None, Some(offset), _) => (offset, None),
            (Some(arg), None, None) => (arg.saturating_mul(32), None),
            (Some(arg), None, Some((signature, types))) => {
                let (offset, ty) = argument_word(&at("arg"), arg, signature, types)?;
                (offset, Some(ty))
            }
        };
        let offset = u16::try_from(offset).map_err(|_| {
            let name = if self.offset.is_some() { "offset" } else { "arg" };
            error(at(name), format!("byte offset {offset} is beyond the module's 16 bits"))
        })?;
        if matches!(ty, Some(DynSolType::Int(_))) && condition.orders() {
            let exact = Condition::ALL.iter().filter(|condition| !condition.orders());
            return Err(error(
                at(keyword),
                format!(
                    "`{}` is signed, and the module compares words as unsigned numbers: a \
                     negative value would count as huge. Only {} are exact on it",
                    ty.as_ref().expect("matched").sol_type_name(),
                    listed(exact.map(|condition| condition.keyword()), "and")
                ),
            ));
        }
        let text = value.to_string();
        let ty = ty.unwrap_or(DynSolType::Uint(256));
        let word =
            ty.coerce_str(&text).ok().and_then(|value| value.as_word()).ok_or_else(|| {
                error(at(keyword), format!("`{text}` is no {}", ty.sol_type_name()))
            })?;
        Ok((offset, word, condition.code()))
    }
}

/// `words` as prose: `a, b, c <last> d`.
fn listed<'a>(words: impl IntoIterator<Item = &'a str>, last: &str) -> String {
    let words: Vec<&str> = words.into_iter().collect();
    match words.split_last() {
        Some((final_word, [])) => final_word.to_string(),
        Some((final_word, rest)) => format!("{} {last} {final_word}", rest.join(", ")),
        None => String::new(),
    }
}

/// The byte offset and type of argument `arg` of `signature` (whose argument types are
/// `types`): the heads of the arguments before it, and a type that is one static word.
fn argument_word(
    field: &str,
    arg: u64,
    signature: &str,
    types: &[DynSolType],
) -> Result<(u64, DynSolType), PolicyError> {
    let ty = usize::try_from(arg).ok().and_then(|arg| types.get(arg)).ok_or_else(|| {
        let has = match types.len() {
            0 => "no arguments".to_string(),
            1 => "1 argument (arg = 0)".to_string(),
            n => format!("{n} arguments (arg = 0 to {})", n - 1),
        };
        error(field, format!("argument {arg} is beyond `{signature}`, which has {has}"))
    })?;
    let name = ty.sol_type_name();
    if ty.is_dynamic() {
        return Err(error(
            field,
            format!(
                "argument {arg} is `{name}`, a dynamic type: its word holds an offset, not the \
                 value, and the module compares one fixed word"
            ),
        ));
    }
    if !matches!(
        ty,
        DynSolType::Address
            | DynSolType::Bool
            | DynSolType::Int(_)
            | DynSolType::Uint(_)
            | DynSolType::FixedBytes(_)
    ) {
        return Err(error(
            field,
            format!(
                "argument {arg} is `{name}`, several words: name one of them with `offset` \
                 (bytes after the selector) instead"
            ),
        ));
    }
    // Every argument before it takes its head: 32 bytes per word of a static type, one word
    // (an offset) for a dynamic one.
    let words: usize = types[..arg as usize]
        .iter()
        .map(|ty| if ty.is_dynamic() { 1 } else { ty.minimum_words() })
        .sum();
    Ok((32 * words as u64, ty.clone()))
}
