//! A policy → the module's `Session` and `SessionGrant`: the window, the key, the caps and the
//! amounts, each checked against what the module holds.

use super::*;

impl Policy {
    /// Reads a policy from TOML, or JSON when `text` starts with `{`.
    ///
    /// # Errors
    /// The parser's error, which names the line and the key.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        parse_text(text)
    }

    /// The session this policy describes, starting at `now` unless `valid_after` says when.
    ///
    /// # Errors
    /// [`PolicyError`] naming the first field that cannot be represented.
    pub fn session(&self, now: u64) -> Result<Session, PolicyError> {
        let start = self.valid_after.unwrap_or(now);
        let end = match (&self.valid_for, self.valid_until) {
            // With periods the window is exactly `valid_for` long, so that "30days" of "1day"
            // periods is 30 periods, not 30 and a 31st of one second (validUntil is inclusive).
            (Some(duration), None) => {
                let end = later("valid_for", start, duration)? - u64::from(self.period.is_some());
                if end <= start {
                    return Err(error(
                        "valid_for",
                        format!("`{duration}` is too short: the session needs two seconds or more"),
                    ));
                }
                end
            }
            (None, Some(end)) if end > start && end < 1 << 48 => end,
            (None, Some(end)) => {
                return Err(error("valid_until", format!("{end} is not a uint48 after {start}")))
            }
            _ => return Err(error("valid_for", "say either valid_for or valid_until")),
        };
        let period = self.period_seconds(start, end)?;
        if self.max_uses == 0 {
            return Err(error("max_uses", "a session needs at least one use"));
        }
        let key = self.key()?;
        let mut actions = Vec::new();
        let mut arg_rules = Vec::new();
        for (i, entry) in self.actions.iter().enumerate() {
            let action = entry.action(i)?;
            arg_rules.extend(entry.arg_rules(i, &action)?);
            actions.push(action);
        }
        let token_limits = self.token_limits(&mut actions)?;
        if actions.is_empty() {
            return Err(error("actions", "a session needs at least one action"));
        }
        let (max_total_value, max_gas_cost) = self.value_caps()?;
        Ok(Session {
            account: self.account,
            keyType: key.key_type().code(),
            key: key.id().into_word(),
            validAfter: U48::from(start),
            validUntil: U48::from(end),
            period: U48::from(period),
            actions,
            argRules: arg_rules,
            signing: self
                .signing
                .iter()
                .enumerate()
                .map(|(i, scope)| scope.scope(i))
                .collect::<Result<_, _>>()?,
            tokenLimits: token_limits,
            paymasters: self.paymasters.clone(),
            maxTotalValue: max_total_value,
            maxGasCostPerOp: max_gas_cost,
            maxUses: self.max_uses,
            salt: self.salt.unwrap_or_default(),
        })
    }

    /// `max_total_value` and `max_gas_cost_per_op`, as the module holds them exactly.
    ///
    /// # Errors
    /// [`PolicyError`] on a cap the module would hold lower (more than 2^88 − 1 wei; gas not
    /// in whole gwei, or more than 2^40 − 1 gwei), or a gas cap above the total, which also
    /// counts gas (no operation the account pays for could pass).
    fn value_caps(&self) -> Result<(U256, U256), PolicyError> {
        let total = wei_cap("max_total_value", self.max_total_value.as_deref())?;
        let field = "max_gas_cost_per_op";
        let gas = value(field, self.max_gas_cost_per_op.as_deref())?;
        if gas > gwei_to_wei(MAX_GAS_COST_GWEI) || gwei_to_wei(gas_cost_gwei(gas)) != gas {
            return Err(error(
                field,
                "the module keeps it in whole gwei, at most 2^40 − 1 gwei (1,099 ether)",
            ));
        }
        if gas > total {
            return Err(error(
                field,
                format!(
                    "{gas} wei is more than max_total_value ({total} wei), which counts gas too:                      raise max_total_value"
                ),
            ));
        }
        Ok((total, gas))
    }

    /// The session key, read for `key_type`.
    ///
    /// # Errors
    /// [`PolicyError`] on `session_key` when it is not a key of that type: not 20 bytes for
    /// secp256k1, not a point of P-256 for P-256 and WebAuthn; on `threshold` for a multisig
    /// key that cannot be one.
    pub fn key(&self) -> Result<PolicyKey, PolicyError> {
        let bytes = self.session_key.as_ref();
        match self.key_type {
            KeyType::Secp256k1 if !self.signers.is_empty() || self.threshold.is_some() => {
                Err(error(
                    "signers",
                    "signers and threshold are a multisig key's: say key_type = \"multisig\"",
                ))
            }
            KeyType::Secp256k1 => match <[u8; 20]>::try_from(bytes) {
                Ok(address) if address != [0; 20] => Ok(PolicyKey::Secp256k1(address.into())),
                _ => Err(error(
                    "session_key",
                    format!(
                        "{} bytes: a secp256k1 session key is named by its address (20 bytes, \
                         not zero); a P-256 public key needs key_type = \"p256\"",
                        bytes.len()
                    ),
                )),
            },
            KeyType::Multisig => {
                let threshold = self.threshold.unwrap_or_default();
                if !bytes.is_empty() {
                    return Err(error(
                        "session_key",
                        "a multisig key is named by signers and threshold",
                    ));
                }
                if multisig::key_id(threshold, &self.signers).is_none() {
                    return Err(error(
                        "threshold",
                        format!(
                            "{threshold} of {} signers: a multisig key needs 1 ≤ threshold ≤ \
                             signers ≤ {}, the signers distinct",
                            self.signers.len(),
                            multisig::MAX_SIGNERS
                        ),
                    ));
                }
                Ok(PolicyKey::Multisig { threshold, signers: self.signers.clone() })
            }
            KeyType::P256 | KeyType::WebAuthn | KeyType::WebAuthnUserVerified => {
                // `x ‖ y` alone is the uncompressed point without its 0x04 tag.
                let sec1 = match bytes.len() {
                    64 => [&[0x04], bytes].concat(),
                    _ => bytes.to_vec(),
                };
                let point = p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| {
                    error(
                        "session_key",
                        format!(
                            "{} bytes that are no P-256 public key (say 0x04 ‖ x ‖ y, 65 bytes, \
                             or x ‖ y, 64 bytes, of a point on the curve)",
                            bytes.len()
                        ),
                    )
                })?;
                let uncompressed =
                    p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&point, false);
                let xy = uncompressed.as_bytes()[1..].try_into().expect("0x04 ‖ x ‖ y");
                Ok(PolicyKey::P256(self.key_type, xy))
            }
        }
    }

    /// The period in seconds (0: none), for the window `start..=end`.
    fn period_seconds(&self, start: u64, end: u64) -> Result<u64, PolicyError> {
        let Some(text) = &self.period else { return Ok(0) };
        let period = duration("period", text)?;
        if period == 0 || period >= 1 << 48 {
            return Err(error(
                "period",
                format!("`{text}`: a period lasts 1 second to 2^48 − 1 seconds (or leave it out)"),
            ));
        }
        // The module refuses a window of more periods than their 32-bit indexes count
        // (SessionWindowInvalid).
        let periods = Periods { valid_after: start, valid_until: end, length: period };
        if !periods.is_valid() {
            return Err(error(
                "period",
                format!(
                    "`{text}` is too short for the window of {} seconds: it makes {} periods, \
                     and the module counts at most 2^32",
                    end - start + 1,
                    u128::from(periods.last_index()) + 1
                ),
            ));
        }
        Ok(period)
    }

    /// The session's token limits; the calls their `allow` names are added to `actions`.
    fn token_limits(&self, actions: &mut Vec<Action>) -> Result<Vec<TokenLimit>, PolicyError> {
        let written = actions.len();
        let mut limits: Vec<TokenLimit> = Vec::new();
        for (i, entry) in self.token_limits.iter().enumerate() {
            let field = |name: &str| format!("token_limits[{i}].{name}");
            if let Some(first) = limits.iter().position(|limit| limit.token == entry.token) {
                return Err(error(
                    field("token"),
                    format!(
                        "{} already has token_limits[{first}]: one limit per token (the module \
                         refuses a second with TokenLimitDuplicated)",
                        entry.token
                    ),
                ));
            }
            limits.push(entry.limit(i)?);
            for call in &entry.allow {
                let action = Action {
                    target: entry.token,
                    selector: call.selector(),
                    maxValuePerCall: U256::ZERO,
                };
                let same = |other: &Action| {
                    (other.target, other.selector) == (action.target, action.selector)
                };
                if let Some(k) = actions.iter().position(same) {
                    let by = match k < written {
                        true => format!("actions[{k}] already allows it"),
                        false => "it is listed twice".into(),
                    };
                    return Err(error(
                        field("allow"),
                        format!(
                            "`{}` on {}: {by} (the module refuses an action listed twice)",
                            call.signature(),
                            entry.token
                        ),
                    ));
                }
                actions.push(action);
            }
        }
        Ok(limits)
    }

    /// The owner's grant of [`Policy::session`], its deadline counted from `now`.
    ///
    /// # Errors
    /// [`PolicyError`] for the session's fields, or for a policy without `[grant]`.
    pub fn grant(&self, now: u64) -> Result<SessionGrant, PolicyError> {
        let grant = self.grant.as_ref().ok_or_else(|| error("grant", "missing [grant] table"))?;
        let deadline = later("grant.valid_for", now, &grant.valid_for)?;
        Ok(SessionGrant {
            session: self.session(now)?,
            nonce: U256::from(grant.nonce),
            deadline: U48::from(deadline),
        })
    }
}

/// `text` (`"2h"`, `"90s"`, `"1day 2h"`) in whole seconds.
fn duration(field: &str, text: &str) -> Result<u64, PolicyError> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| error(field, format!("`{text}` is not a duration like \"2h\": {e}")))?;
    if duration.subsec_nanos() != 0 {
        return Err(error(field, format!("`{text}` is not a whole number of seconds")));
    }
    Ok(duration.as_secs())
}

/// `start` plus `text` (`"2h"`, `"90s"`, `"1day 2h"`), as uint48 seconds.
fn later(field: &str, start: u64, text: &str) -> Result<u64, PolicyError> {
    start
        .checked_add(duration(field, text)?)
        .filter(|end| *end < 1 << 48)
        .ok_or_else(|| error(field, "ends beyond uint48 seconds"))
}

/// `"0.01 ether"`, `"5 gwei"`, `"1000 wei"` or `"1000"` (wei) as wei; absent is zero.
pub fn value(field: &str, text: Option<&str>) -> Result<U256, PolicyError> {
    let Some(text) = text else { return Ok(U256::ZERO) };
    let mut parts = text.split_whitespace();
    let (amount, unit) = match (parts.next(), parts.next(), parts.next()) {
        (Some(amount), unit, None) => (amount, unit.unwrap_or("wei")),
        _ => return Err(error(field, format!("`{text}` is not an amount like \"0.01 ether\""))),
    };
    let unit = unit.parse::<Unit>().map_err(|e| error(field, format!("`{text}`: {e}")))?;
    units(field, text, amount, unit)
}

/// A wei cap ([`value`]) the module holds exactly: at most [`MAX_WEI`].
///
/// # Errors
/// [`PolicyError`] on `field` for an amount it would hold lower.
pub fn wei_cap(field: &str, text: Option<&str>) -> Result<U256, PolicyError> {
    let amount = value(field, text)?;
    if amount > U256::from(MAX_WEI) {
        return Err(error(field, "more than the module holds (2^88 − 1 wei, 309 million ether)"));
    }
    Ok(amount)
}

/// `amount` (`text`'s number) times 10^`unit`: not negative, and no finer than the unit, so
/// nothing is rounded away.
pub(super) fn units(
    field: &str,
    text: &str,
    amount: &str,
    unit: Unit,
) -> Result<U256, PolicyError> {
    let decimals = amount.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    if amount.starts_with('-') {
        return Err(error(field, format!("`{text}` is negative")));
    }
    if decimals > usize::from(unit.get()) {
        return Err(error(field, format!("`{text}` has more than {unit} decimals")));
    }
    ParseUnits::parse_units(amount, unit)
        .map(ParseUnits::get_absolute)
        .map_err(|e| error(field, format!("`{text}`: {e}")))
}
