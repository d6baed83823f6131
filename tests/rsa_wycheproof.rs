//! Wycheproof RSASSA-PKCS1-v1_5 / SHA-256 vectors (2048, 3072 and 4096 bits) against
//! `RsaVerifyingKey`: every `valid` case must verify, every `invalid` one must be rejected, and
//! every `acceptable` one must get the decision recorded in [`ACCEPTABLE`].
//!
//! The vectors are copied, unchanged, from `../shared/testdata/wycheproof/` into
//! `tests/wycheproof/` so that a clean checkout alone can run them; a missing file fails the test
//! rather than skipping it, so the suite cannot silently stop running.

use std::collections::BTreeMap;

use edge_auth::crypto::rsa::{Comparison, RsaKeyError, RsaVerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

const WYCHEPROOF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wycheproof/");

/// `valid` cases we reject on purpose, as (file, tcId, reason).
const DEVIATIONS: &[(&str, u64, &str)] = &[
    (
        "rsa_signature_2048_sha256_test.json",
        258,
        "SmallPublicKey/SmallSignature: e = 3 key, refused because only e = 65537 is supported",
    ),
    (
        "rsa_signature_2048_sha256_test.json",
        259,
        "SmallPublicKey/EdgeCaseSignature: e = 3 key, refused because only e = 65537 is supported",
    ),
    (
        "rsa_signature_3072_sha256_test.json",
        259,
        "SmallPublicKey/SmallSignature: e = 3 key, refused because only e = 65537 is supported",
    ),
];

/// Our decision on each `acceptable` case, as (file, tcId, accepted, reason).
///
/// All three are tcId 8, flag `MissingNull`: the DigestInfo's AlgorithmIdentifier omits the
/// NULL parameters. RFC 8017 §9.2 note 1 allows verifiers to accept that form, but we compare
/// against the one encoding with the explicit NULL (what every RS256 signer produces) and do
/// not parse the block, so we reject it.
const ACCEPTABLE: &[(&str, u64, bool, &str)] = &[
    ("rsa_signature_2048_sha256_test.json", 8, false, "MissingNull: only the DER form with NULL"),
    ("rsa_signature_3072_sha256_test.json", 8, false, "MissingNull: only the DER form with NULL"),
    ("rsa_signature_4096_sha256_test.json", 8, false, "MissingNull: only the DER form with NULL"),
];

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd-length hex {text:?}");
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name].as_str().unwrap_or_else(|| panic!("missing string field {name:?} in {value}"))
}

#[derive(Default)]
struct Tally {
    valid: usize,
    valid_accepted: usize,
    invalid: usize,
    invalid_rejected: usize,
    acceptable: BTreeMap<u64, bool>,
    deviations: Vec<u64>,
    refused_groups: usize,
}

fn run_file(file: &str, failures: &mut Vec<String>) -> Tally {
    let path = format!("{WYCHEPROOF_DIR}{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("cannot read {path}: {error}; the Wycheproof vectors must be in tests/wycheproof")
    });
    let json: Value = serde_json::from_slice(text.as_bytes()).expect("Wycheproof file is JSON");
    assert_eq!(json["algorithm"], "RSASSA-PKCS1-v1_5", "{file}");

    let mut tally = Tally::default();
    let mut seen = 0;
    for group in json["testGroups"].as_array().expect("testGroups") {
        assert_eq!(group["sha"], "SHA-256", "{file}");
        let modulus = hex(field(&group["publicKey"], "modulus"));
        let exponent = hex(field(&group["publicKey"], "publicExponent"));
        let key = RsaVerifyingKey::from_be_bytes(&modulus, &exponent);
        if let Err(error) = &key {
            tally.refused_groups += 1;
            let e = field(&group["publicKey"], "publicExponent");
            println!("{file}: key with e = {e} refused ({error:?})");
            // Every modulus in these files is odd and 2048 to 4096 bits, so the exponent is the
            // only acceptable reason.
            if *error != RsaKeyError::UnsupportedExponent || e.trim_start_matches('0') == "10001" {
                failures.push(format!("{file}: key with e = {e} refused for the wrong reason: {error:?}"));
            }
        }

        for test in group["tests"].as_array().expect("tests") {
            seen += 1;
            let id = test["tcId"].as_u64().expect("tcId");
            let result = field(test, "result");
            let message = hex(field(test, "msg"));
            let signature = hex(field(test, "sig"));
            let accepted = match &key {
                Ok(key) => {
                    let accepted = key.verify_sha256(&message, &signature);
                    // Each comparison the key can make must give the same verdict on every case,
                    // whichever the key would choose by itself.
                    let digest: [u8; 32] = Sha256::digest(&message).into();
                    for comparison in [Comparison::Plain, Comparison::Scaled] {
                        if key.verify_sha256_digest_by(comparison, &digest, &signature) != accepted {
                            failures.push(format!("{file} tcId {id}: the {comparison:?} comparison disagrees"));
                        }
                    }
                    accepted
                }
                Err(_) => false,
            };
            let deviation = DEVIATIONS.iter().find(|(f, i, _)| *f == file && *i == id);
            match result {
                "valid" => {
                    tally.valid += 1;
                    if accepted {
                        tally.valid_accepted += 1;
                        if deviation.is_some() {
                            failures.push(format!("{file} tcId {id}: listed as a deviation but accepted"));
                        }
                    } else if let Some((_, _, reason)) = deviation {
                        println!("{file} tcId {id}: valid but rejected, documented: {reason}");
                        tally.deviations.push(id);
                    } else {
                        failures.push(format!("{file} tcId {id}: valid signature rejected ({:?})", test["comment"]));
                    }
                }
                "invalid" => {
                    tally.invalid += 1;
                    if accepted {
                        failures.push(format!(
                            "{file} tcId {id}: invalid signature accepted ({:?}, flags {})",
                            test["comment"], test["flags"]
                        ));
                    } else {
                        tally.invalid_rejected += 1;
                    }
                }
                "acceptable" => {
                    tally.acceptable.insert(id, accepted);
                    match ACCEPTABLE.iter().find(|(f, i, _, _)| *f == file && *i == id) {
                        Some((_, _, expected, reason)) => {
                            println!(
                                "{file} tcId {id}: acceptable, {} ({reason})",
                                if accepted { "accepted" } else { "rejected" }
                            );
                            if accepted != *expected {
                                failures.push(format!(
                                    "{file} tcId {id}: acceptable case decided {accepted}, recorded {expected}"
                                ));
                            }
                        }
                        None => failures.push(format!(
                            "{file} tcId {id}: acceptable case ({:?}) has no recorded decision (we {})",
                            test["flags"],
                            if accepted { "accept" } else { "reject" }
                        )),
                    }
                }
                other => failures.push(format!("{file} tcId {id}: unknown result {other:?}")),
            }
        }
    }
    assert_eq!(Some(seen), json["numberOfTests"].as_u64().map(|n| n as usize), "{file}: test count");
    println!(
        "{file}: {seen} tests; valid accepted {}/{} ({} documented deviations); invalid rejected {}/{}; \
         acceptable {:?} (tcId -> accepted); {} key(s) refused",
        tally.valid_accepted,
        tally.valid,
        tally.deviations.len(),
        tally.invalid_rejected,
        tally.invalid,
        tally.acceptable,
        tally.refused_groups,
    );
    tally
}

#[test]
fn wycheproof_pkcs1v15_sha256_vectors_give_the_expected_answers() {
    let mut failures = Vec::new();
    for file in [
        "rsa_signature_2048_sha256_test.json",
        "rsa_signature_3072_sha256_test.json",
        "rsa_signature_4096_sha256_test.json",
    ] {
        let tally = run_file(file, &mut failures);
        // Guards against a truncated or swapped file passing by having nothing in it.
        assert!(tally.valid_accepted >= 7, "{file}: too few valid signatures accepted");
        assert!(tally.invalid >= 200, "{file}: too few invalid cases");
        // A stale entry in either list would hide a change of behaviour.
        for (_, id, _) in DEVIATIONS.iter().filter(|(f, _, _)| *f == file) {
            assert!(tally.deviations.contains(id), "{file} tcId {id}: listed deviation did not occur");
        }
        for (_, id, _, _) in ACCEPTABLE.iter().filter(|(f, _, _, _)| *f == file) {
            assert!(tally.acceptable.contains_key(id), "{file} tcId {id}: not an acceptable case");
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
