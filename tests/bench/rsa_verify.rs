//! Native timing of `RsaVerifyingKey`: median µs per key set-up and per verification, for the
//! Wycheproof 2048-, 3072- and 4096-bit keys, next to the `rsa` crate for scale.
//!
//! `cargo bench --bench rsa_verify` (the bench profile inherits the release profile's
//! `opt-level = "z"`; add `CARGO_PROFILE_BENCH_OPT_LEVEL=3` to see the effect of opt-level 3).
//! No criterion: a plain timing loop, so the figures are indicative, not statistics.
//! Under `cargo test --all-targets` (no `--bench` argument) it only checks that each key
//! verifies its signature, so the test run stays quick.

use std::hint::black_box;
use std::time::Instant;

use edge_auth::crypto::rsa::RsaVerifyingKey;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::{BigUint, RsaPublicKey};
use sha2::{Digest, Sha256};

const WYCHEPROOF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/testdata/wycheproof/");
const SAMPLES: usize = 31;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

/// Median over `SAMPLES` batches of the time per call, in µs; batches are sized to ~20 ms.
fn median_micros(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calibration = 0;
    while start.elapsed().as_millis() < 20 {
        f();
        calibration += 1;
    }
    let batch = calibration.max(1);
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / batch as f64
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[SAMPLES / 2]
}

fn main() {
    let timing = std::env::args().any(|arg| arg == "--bench");
    println!("{:>6} {:>14} {:>14} {:>16} {:>16}", "bits", "set-up µs", "verify µs", "rsa 0.9 set-up", "rsa 0.9 verify");
    for bits in [2048, 3072, 4096] {
        let path = format!("{WYCHEPROOF_DIR}rsa_signature_{bits}_sha256_test.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let json: serde_json::Value = serde_json::from_slice(text.as_bytes()).unwrap();
        let group = &json["testGroups"][0];
        let n = hex(group["publicKey"]["modulus"].as_str().unwrap());
        let e = hex(group["publicKey"]["publicExponent"].as_str().unwrap());
        let test = &group["tests"][0];
        assert_eq!(test["result"], "valid");
        let message = hex(test["msg"].as_str().unwrap());
        let signature = hex(test["sig"].as_str().unwrap());

        let key = RsaVerifyingKey::from_be_bytes(&n, &e).unwrap();
        assert!(key.verify_sha256(&message, &signature));
        if !timing {
            println!("{bits:>6}  verifies (smoke test only; run with `cargo bench` for timings)");
            continue;
        }
        let set_up = median_micros(|| {
            black_box(RsaVerifyingKey::from_be_bytes(black_box(&n), black_box(&e)).unwrap());
        });
        let verify = median_micros(|| {
            assert!(key.verify_sha256(black_box(&message), black_box(&signature)));
        });

        let (n_big, e_big) = (BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e));
        let reference = RsaPublicKey::new(n_big.clone(), e_big.clone()).unwrap();
        let reference_set_up = median_micros(|| {
            black_box(RsaPublicKey::new(black_box(n_big.clone()), e_big.clone()).unwrap());
        });
        let reference_verify = median_micros(|| {
            let digest = Sha256::digest(black_box(&message));
            let scheme = Pkcs1v15Sign::new::<Sha256>();
            assert!(reference.verify(scheme, &digest, black_box(&signature)).is_ok());
        });
        println!("{bits:>6} {set_up:>14.1} {verify:>14.1} {reference_set_up:>16.1} {reference_verify:>16.1}");
    }
}
