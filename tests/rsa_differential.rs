//! Differential test of `RsaVerifyingKey` against the `rsa` 0.9 crate: thousands of signatures,
//! valid and broken in many ways, over keys of 2048 to 4096 bits; for every one our answer must
//! equal `rsa`'s.
//!
//! Most private keys are fixed (made once with OpenSSL, and the 2050- and 4095-bit ones with
//! `rsa`, to cover moduli that are not a whole number of bytes), because key generation is slow
//! without the `[profile.dev.package]` optimisation of `rsa` and `num-bigint-dig`; one 2048- and
//! one 3072-bit key are generated per run. Messages, corruptions and signature values are random
//! per run. The seed is printed; `RSA_DIFFERENTIAL_SEED=<n>` replays a run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use edge_auth::crypto::rsa::{Comparison, RsaVerifyingKey};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

const WYCHEPROOF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wycheproof/");

/// DER `DigestInfo` prefix for SHA-256 (with the NULL parameters).
const SHA256_PREFIX: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// One signature check, asked of both verifiers.
struct Case {
    what: &'static str,
    message: Vec<u8>,
    signature: Vec<u8>,
}

/// Both verifiers for one public key.
struct Verifiers {
    ours: RsaVerifyingKey,
    reference: RsaPublicKey,
    label: String,
}

#[derive(Default)]
struct Totals {
    cases: usize,
    accepted: usize,
}

impl Verifiers {
    fn new(reference: RsaPublicKey, label: String) -> Self {
        let ours = RsaVerifyingKey::from_be_bytes(&reference.n().to_bytes_be(), &reference.e().to_bytes_be())
            .unwrap_or_else(|error| panic!("{label}: key refused: {error:?}"));
        assert_eq!(ours.modulus_bits(), reference.n().bits(), "{label}");
        assert_eq!(ours.signature_len(), reference.size(), "{label}");
        Self { ours, reference, label }
    }

    fn k(&self) -> usize {
        self.reference.size()
    }

    /// Runs `case` through both and records a failure when they disagree.
    fn check(&self, case: &Case, totals: &mut Totals, failures: &Mutex<Vec<String>>) -> bool {
        let digest = Sha256::digest(&case.message);
        let expected = self.reference.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &case.signature).is_ok();
        let ours = self.ours.verify_sha256(&case.message, &case.signature);
        let digest: [u8; 32] = digest.into();
        // Each comparison the key can make, whichever it would choose by itself.
        let plain = self.ours.verify_sha256_digest_by(Comparison::Plain, &digest, &case.signature);
        let scaled = self.ours.verify_sha256_digest_by(Comparison::Scaled, &digest, &case.signature);
        totals.cases += 1;
        totals.accepted += usize::from(expected);
        if ours != expected || plain != expected || scaled != expected {
            failures.lock().unwrap().push(format!(
                "{}: {}: rsa says {expected}, verify_sha256 {ours}, plain {plain}, scaled {scaled}; \
                 message {}, signature {} ({} bytes)",
                self.label,
                case.what,
                hex_encode(&case.message),
                hex_encode(&case.signature),
                case.signature.len()
            ));
        }
        expected
    }

    /// Cases that need no private key: lengths, values at and above `n`, small values and random
    /// values below `n`.
    fn public_only_cases(&self, rng: &mut StdRng, message: &[u8], good: &[u8]) -> Vec<Case> {
        let k = self.k();
        let n = self.reference.n();
        let as_signature = |value: &BigUint| -> Option<Vec<u8>> {
            let bytes = value.to_bytes_be();
            (bytes.len() <= k).then(|| [vec![0; k - bytes.len()], bytes].concat())
        };
        let case = |what, signature: Vec<u8>| Case { what, message: message.to_vec(), signature };
        let mut cases = vec![
            case("one byte short (first dropped)", good[1..].to_vec()),
            case("one byte short (last dropped)", good[..k - 1].to_vec()),
            case("one byte long (leading zero)", [&[0u8][..], good].concat()),
            case("one byte long (trailing zero)", [good, &[0u8][..]].concat()),
            case("empty", Vec::new()),
            case("all zero", vec![0; k]),
            case("all 0xff", vec![0xff; k]),
            case("equal to n", as_signature(n).unwrap()),
            case("n + 1", as_signature(&(n + 1u32)).unwrap()),
            case("n - 1", as_signature(&(n - 1u32)).unwrap()),
            case("n - 2", as_signature(&(n - 2u32)).unwrap()),
            case("one", as_signature(&BigUint::from(1u32)).unwrap()),
            case("two", as_signature(&BigUint::from(2u32)).unwrap()),
        ];
        let good_value = BigUint::from_bytes_be(good);
        if let Some(signature) = as_signature(&(&good_value + n)) {
            cases.push(case("good signature + n", signature));
        }
        let top = BigUint::from(1u32) << (8 * k);
        for _ in 0..2 {
            let mut random = vec![0u8; k];
            rng.fill_bytes(&mut random);
            let value = BigUint::from_bytes_be(&random);
            let what = if &value >= n { "random at or above n" } else { "random below n" };
            cases.push(case(what, random.clone()));
            // A random value of at least n, when there is room above n in k bytes.
            if &top - n > BigUint::from(1u32) {
                let above = n + (value % (&top - n));
                cases.push(case("random at or above n", as_signature(&above).unwrap()));
            }
            let below = BigUint::from_bytes_be(&random) % n;
            cases.push(case("random below n", as_signature(&below).unwrap()));
        }
        cases
    }

    /// Single- and multi-bit corruptions of a good signature, anywhere in it.
    fn corrupted_cases(&self, rng: &mut StdRng, message: &[u8], good: &[u8], flips: usize) -> Vec<Case> {
        let k = self.k();
        let mut cases = Vec::new();
        for round in 0..flips {
            let mut signature = good.to_vec();
            let what = match round % 4 {
                0 => {
                    // The top bytes decide whether the value passes n, so they get flips too.
                    let bit = rng.gen_range(0..32.min(8 * k));
                    signature[bit / 8] ^= 0x80 >> (bit % 8);
                    "bit flip in the top four bytes"
                }
                1 => {
                    let index = rng.gen_range(0..k);
                    signature[index] ^= rng.gen_range(1..=255u8);
                    "byte changed"
                }
                2 => {
                    for _ in 0..rng.gen_range(2..8) {
                        let bit = rng.gen_range(0..8 * k);
                        signature[bit / 8] ^= 0x80 >> (bit % 8);
                    }
                    "several bits flipped"
                }
                _ => {
                    let bit = rng.gen_range(0..8 * k);
                    signature[bit / 8] ^= 0x80 >> (bit % 8);
                    "bit flip"
                }
            };
            if signature != good {
                cases.push(Case { what, message: message.to_vec(), signature });
            }
        }
        cases
    }
}

/// The raw RSA private operation `m^d mod n` by the Chinese remainder theorem, to sign
/// encoded blocks that PKCS#1 signing would never produce.
fn raw_private(key: &RsaPrivateKey, block: &[u8]) -> Option<Vec<u8>> {
    let m = BigUint::from_bytes_be(block);
    if &m >= key.n() {
        return None;
    }
    let (p, q) = (&key.primes()[0], &key.primes()[1]);
    let one = BigUint::from(1u32);
    let sp = m.modpow(&(key.d() % (p - &one)), p);
    let sq = m.modpow(&(key.d() % (q - &one)), q);
    let q_inverse = key.crt_coefficient().expect("two-prime key");
    let h = ((sp + p - (&sq % p)) * q_inverse) % p;
    let s = sq + h * q;
    let bytes = s.to_bytes_be();
    Some([vec![0; key.size() - bytes.len()], bytes].concat())
}

/// `DigestInfo` of the message's SHA-256: what a correct block ends with.
fn digest_info(message: &[u8]) -> Vec<u8> {
    [&SHA256_PREFIX[..], &Sha256::digest(message)].concat()
}

/// The EMSA-PKCS1-v1_5 block `00 01 FF.. 00 || t`, or None when `t` leaves under 8 bytes of padding.
fn block(k: usize, t: &[u8]) -> Option<Vec<u8>> {
    let padding = k.checked_sub(3 + t.len()).filter(|&p| p >= 8)?;
    Some([&[0x00, 0x01][..], &vec![0xff; padding], &[0x00], t].concat())
}

/// Encodings close to the right one, signed properly, which a careless parser might accept.
fn crafted_cases(key: &RsaPrivateKey, message: &[u8]) -> Vec<Case> {
    let digest = Sha256::digest(message);
    let k = key.size();
    let missing_null: Vec<u8> =
        [&[0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09][..], &SHA256_PREFIX[6..15], &[0x04, 0x20]].concat();
    let long_form_length: Vec<u8> = [&[0x30, 0x81, 0x31][..], &SHA256_PREFIX[2..]].concat();
    let sha512_prefix: [u8; 19] = [
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
        0x40,
    ];
    let sha1_prefix: [u8; 15] =
        [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14];
    let mut wrong_oid = SHA256_PREFIX;
    wrong_oid[14] = 0x04; // SHA-224's OID arc with SHA-256's lengths
    let unprefixed: Vec<(&'static str, Vec<u8>)> = vec![
        ("DigestInfo without NULL parameters", [&missing_null[..], &digest].concat()),
        ("DigestInfo with a long-form length", [&long_form_length[..], &digest].concat()),
        ("digest without DigestInfo", digest.to_vec()),
        ("SHA-512 DigestInfo around the SHA-256 digest twice", [&sha512_prefix[..], &digest, &digest].concat()),
        ("SHA-1 DigestInfo with the first 20 digest bytes", [&sha1_prefix[..], &digest[..20]].concat()),
        ("wrong hash OID", [&wrong_oid[..], &digest].concat()),
        ("trailing byte after the digest", [&SHA256_PREFIX[..], &digest, &[0]].concat()),
        ("digest one byte short", [&SHA256_PREFIX[..], &digest[..31]].concat()),
    ];
    let mut cases: Vec<Case> = unprefixed
        .into_iter()
        .map(|(what, t)| Case {
            what,
            message: message.to_vec(),
            signature: key.sign(Pkcs1v15Sign::new_unprefixed(), &t).expect("fits the modulus"),
        })
        .collect();

    let t = digest_info(message);
    let good = block(k, &t).unwrap();
    let mut raw_blocks: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let mut type_two = good.clone();
    type_two[1] = 0x02;
    raw_blocks.push(("block type 02", type_two));
    let mut not_ff = good.clone();
    not_ff[2 + (message.len() % 8)] = 0xfe;
    raw_blocks.push(("a padding byte is 0xfe", not_ff));
    let mut no_separator = good.clone();
    no_separator[k - t.len() - 1] = 0xff;
    raw_blocks.push(("no zero separator", no_separator));
    let mut leading_one = good.clone();
    leading_one[0] = 0x01;
    raw_blocks.push(("leading byte 01", leading_one));
    let mut short_padding = good.clone();
    short_padding[2..10].fill(0);
    raw_blocks.push(("padding replaced by zeros", short_padding));
    // The correct block through the same raw path must give the ordinary signature.
    raw_blocks.push(("correct block via the raw private operation", good));
    for (what, block) in raw_blocks {
        if let Some(signature) = raw_private(key, &block) {
            cases.push(Case { what, message: message.to_vec(), signature });
        }
    }
    cases
}

/// The message's block with one byte changed, at a random position, signed with the raw private
/// operation: a few hundred positions per run, so that runs together try every byte of the block.
fn one_byte_of_the_block_changed(key: &RsaPrivateKey, rng: &mut StdRng, message: &[u8]) -> Option<Case> {
    let mut changed = block(key.size(), &digest_info(message))?;
    let position = rng.gen_range(0..changed.len());
    changed[position] ^= rng.gen_range(1..=255u8);
    let signature = raw_private(key, &changed)?;
    Some(Case { what: "one byte of the block changed", message: message.to_vec(), signature })
}

/// Where a key for one unit of work comes from.
enum Job {
    /// A private key: fresh random messages are signed with it.
    Private { label: &'static str, bits: usize, messages: usize, key: KeySource },
    /// The e = 65537 key of a Wycheproof file, with the file's valid signatures.
    Wycheproof { file: &'static str },
}

/// A fixed key, or one generated from the run's seed.
enum KeySource {
    Pem(&'static str),
    Generated,
}

fn random_message(rng: &mut StdRng) -> Vec<u8> {
    let mut message = vec![0u8; rng.gen_range(0..200)];
    rng.fill_bytes(&mut message);
    message
}

fn other_message(rng: &mut StdRng, message: &[u8]) -> Vec<u8> {
    let mut other = message.to_vec();
    if other.is_empty() || rng.gen_bool(0.5) {
        other.push(rng.gen());
    } else {
        let index = rng.gen_range(0..other.len());
        other[index] ^= rng.gen_range(1..=255u8);
    }
    other
}

fn run_private_key(
    label: &'static str,
    bits: usize,
    messages: usize,
    source: &KeySource,
    rng: &mut StdRng,
    totals: &mut Totals,
    failures: &Mutex<Vec<String>>,
) {
    let key = match source {
        KeySource::Pem(pem) => RsaPrivateKey::from_pkcs8_pem(pem).expect("test key parses"),
        KeySource::Generated => RsaPrivateKey::new(rng, bits).expect("key generation"),
    };
    assert_eq!(key.n().bits(), bits, "{label}");
    let verifiers = Verifiers::new(key.to_public_key(), label.to_string());
    let mut previous: Option<Vec<u8>> = None;
    for round in 0..messages {
        let message = random_message(rng);
        let good = key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&message)).expect("signs");
        let mut cases = vec![
            Case { what: "valid signature", message: message.clone(), signature: good.clone() },
            Case {
                what: "signature of a changed message",
                message: other_message(rng, &message),
                signature: good.clone(),
            },
        ];
        if let Some(previous) = previous.replace(good.clone()) {
            cases.push(Case { what: "signature of another message", message: message.clone(), signature: previous });
        }
        cases.extend(verifiers.corrupted_cases(rng, &message, &good, 6));
        if round % 4 == 0 {
            cases.extend(verifiers.public_only_cases(rng, &message, &good));
        }
        if round == 0 {
            cases.extend(crafted_cases(&key, &message));
        }
        if let Some(case) = one_byte_of_the_block_changed(&key, rng, &message) {
            cases.push(case);
        }
        for case in &cases {
            let accepted = verifiers.check(case, totals, failures);
            let should_accept = matches!(case.what, "valid signature" | "correct block via the raw private operation");
            if accepted != should_accept {
                failures.lock().unwrap().push(format!(
                    "{label}: {}: rsa itself says {accepted}; the test's expectations are wrong",
                    case.what
                ));
            }
        }
    }
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn run_wycheproof_key(file: &'static str, rng: &mut StdRng, totals: &mut Totals, failures: &Mutex<Vec<String>>) {
    let path = format!("{WYCHEPROOF_DIR}{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    let json: Value = serde_json::from_slice(text.as_bytes()).expect("JSON");
    let group = json["testGroups"]
        .as_array()
        .expect("testGroups")
        .iter()
        .find(|group| group["publicKey"]["publicExponent"] == "010001")
        .expect("a group with e = 65537");
    let n = BigUint::from_bytes_be(&hex_decode(group["publicKey"]["modulus"].as_str().unwrap()));
    let reference = RsaPublicKey::new(n, BigUint::from(65537u32)).expect("rsa accepts the key");
    let verifiers = Verifiers::new(reference, format!("Wycheproof {file}"));
    let valid = group["tests"].as_array().unwrap().iter().filter(|test| test["result"] == "valid");
    for (index, test) in valid.enumerate() {
        let message = hex_decode(test["msg"].as_str().unwrap());
        let good = hex_decode(test["sig"].as_str().unwrap());
        let mut cases = vec![
            Case { what: "valid signature", message: message.clone(), signature: good.clone() },
            Case {
                what: "signature of a changed message",
                message: other_message(rng, &message),
                signature: good.clone(),
            },
        ];
        cases.extend(verifiers.corrupted_cases(rng, &message, &good, 8));
        if index == 0 {
            cases.extend(verifiers.public_only_cases(rng, &message, &good));
        }
        for case in &cases {
            verifiers.check(case, totals, failures);
        }
    }
}

fn jobs() -> Vec<Job> {
    use KeySource::{Generated, Pem};
    let private = |label, bits, messages, key| Job::Private { label, bits, messages, key };
    // Largest first, so the threads finish together.
    vec![
        private("4096-bit key", 4096, 14, Pem(KEY_4096)),
        private("4095-bit key", 4095, 10, Pem(KEY_4095)),
        Job::Wycheproof { file: "rsa_signature_4096_sha256_test.json" },
        private("3072-bit key A", 3072, 24, Pem(KEY_3072_A)),
        private("3072-bit key B", 3072, 24, Pem(KEY_3072_B)),
        private("3072-bit key generated for this run", 3072, 16, Generated),
        private("3000-bit key", 3000, 20, Pem(KEY_3000)),
        Job::Wycheproof { file: "rsa_signature_3072_sha256_test.json" },
        private("2048-bit key A", 2048, 60, Pem(KEY_2048_A)),
        private("2048-bit key B", 2048, 60, Pem(KEY_2048_B)),
        private("2048-bit key C", 2048, 60, Pem(KEY_2048_C)),
        private("2048-bit key generated for this run", 2048, 40, Generated),
        private("2050-bit key", 2050, 40, Pem(KEY_2050)),
        Job::Wycheproof { file: "rsa_signature_2048_sha256_test.json" },
    ]
}

#[test]
fn every_answer_matches_the_rsa_crate() {
    let seed = match std::env::var("RSA_DIFFERENTIAL_SEED") {
        Ok(text) => text.parse().expect("RSA_DIFFERENTIAL_SEED is a u64"),
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64,
    };
    println!("seed {seed} (replay with RSA_DIFFERENTIAL_SEED={seed})");

    let jobs = jobs();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let summary = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(index) else { break };
                let mut rng = StdRng::seed_from_u64(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let mut totals = Totals::default();
                let started = Instant::now();
                let label = match job {
                    Job::Private { label, bits, messages, key } => {
                        run_private_key(label, *bits, *messages, key, &mut rng, &mut totals, &failures);
                        label.to_string()
                    }
                    Job::Wycheproof { file } => {
                        run_wycheproof_key(file, &mut rng, &mut totals, &failures);
                        format!("Wycheproof {file}")
                    }
                };
                summary.lock().unwrap().push((index, label, totals, started.elapsed()));
            });
        }
    });

    let mut summary = summary.into_inner().unwrap();
    summary.sort_by_key(|(index, ..)| *index);
    let (mut cases, mut accepted) = (0, 0);
    for (_, label, totals, elapsed) in &summary {
        println!("{label}: {} cases, {} valid, {:.1} s", totals.cases, totals.accepted, elapsed.as_secs_f64());
        cases += totals.cases;
        accepted += totals.accepted;
    }
    println!("total: {cases} cases, {accepted} valid and {} invalid by both verifiers", cases - accepted);
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} disagreements (seed {seed}), first ones:\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(cases >= 2000 && accepted >= 100, "too few cases ran: {cases}, {accepted} valid");
}

// Test keys, generated for this test only; never use them for anything else.

const KEY_2048_A: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCXjjKHEgSJwxft\n\
57R4Hkuv/i/WClPrcASYh9mzL8ZM/5FEQXObw8mRLQ9XXv+QFYAn5DkmFRI0gf5e\n\
MebCVq5mjg8Xm5XP0+9OKt7+R5o1oMk8P7msstqWtFcI1jHLXTefcx3q6Qn5gXH3\n\
e8Y5cIfWsTpEASVTE/K6IYHkw14MoGW8a3RBsAyI/5ykQaK6X8XSQsec9lQghQUP\n\
/PszqgV7lEZCf64tlCEiI4vh/yRDgF1cgUEfj94/jlkCm4Pv+kwFFv9bMh68C2zm\n\
lMthtQNL9FVDAtbuyHQP8OijIgpNhoeMV6Lq18gLwFNtRI6OSfGljDTt5x+g7nvf\n\
wCxiZgWzAgMBAAECggEACmNIu1FU1kx0+22CRSlubqWxia4zilOnPP0ywsFniieK\n\
QW9rCSYmTrkT8B0mzy1qF1HhSObw1ICEethYxMFEOutJxYh4gEI6iNUPa8Zkn4Bh\n\
yqtjgp7PtLyvqn9j8lh1U4yEZHGMqXlh4mCteYppBSIoqDib4lHftTpOuOtbKupI\n\
hyf6GCHLaRnP9/0serc08ThzmFA8t5aSxX4gkSgKhzH91CyO61gac7QsFNJP+8eu\n\
oPMep/hVpve+FoaiyExTb070MAZlSrSHEsp3xPpXMlVKR5E/V/VhMLi808lIrJc+\n\
rb0JXZAK6QtZP9IUk0oTCAgf/pKO2EoItgZ2FSZPgQKBgQDOLB9xjClid7Hp5crG\n\
4iCjVyukgLnHhd6BNW3wPDaU2BtFR5rgqL5OoHTupxS72Y9HHRuF+KECEqFyrg8e\n\
Lo2oyM2700cK4OLvOcMee8wO/ycvbzHX9vHyxo+EDxvvpVQ/huLNkb/q7Mh7X5Tz\n\
1dLZ9F4eZqhSbCbI2c1PDLTvwwKBgQC8Lu3Kn+BHbGsLUW8U11pIEevHMtBv5Bgi\n\
DgbVNWvvbaTxIJlmQhkyQtfjKFB9Cf1Cb6AcixC72EW+iSqHGT13CCzMIz2GOsxL\n\
G0rN++bkiEV55WV15RqZjwbN3cNJDd8eBT6hOY3rpgUptfWQ1xbCxUnl0aSeijcd\n\
ekGBQr+jUQKBgQDCGTIFEUKI7Ez3+hmcgZjejhuNRI8iczqWBDobOGTeXlHWOGJr\n\
7RE1LsTHRU80xs6n0ZRu3TKfo/CQ6aNb89HzvBBMKs0wRaYAOC4kzcG/wKEgfBu9\n\
yUPhHuRQHHVdeRXGtPNjOzsmLYNU+xhdMsnN3cyZ7GW9KwqcfshWCo1xRwKBgE9v\n\
P9EYS4PasBTG+yzA+ssRRYWAXZvdnJJDeX7mXfljPwzJxfb0T853iMnKaq9dWBqD\n\
JALocNfaIxaar+j3LorgWIiTF5VhnHrXumvYuU4ed7VMr9dkLiZDyYt84MIlqNjz\n\
Pcywjse5/NPuiwnowSLWRKtOIz8I+NrokF4P3vUBAoGADVeXel6E2Ez24SLoWLu8\n\
pyiFRG04kKpiWx0KfF+KBAiiREcoDXuvnwGXJ4wYMLHb1vbfsj3EkFCBV0SIxN5A\n\
EBVYhGzeA2i7msioz5nOh0nj2tby6R6QYiSGFyLQk9d33BmRncJDH8S81BkrjT1F\n\
w8Xgde1pVwoMcgvQAQww7DE=\n\
-----END PRIVATE KEY-----\n\
";

const KEY_2048_B: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDfr4hzsyQr6xna\n\
b8It8X0uT+pQqTYLRjoSRgByj73fiC3FFbFBf04tr35t21E/+Ron71SwRiKkCVin\n\
LOwkmBGhMPWW6zLHErHl/6F8ZVuJ8tgicTJdwW9Haon1NdYXWurKP5pASq3B858W\n\
yPNBCENaIfS3lbcJZ85jVSNE58nV+FXMZjqwCZpBxS5/oe2rxQd8uohx5ygSD3zV\n\
kD4JnPIxGeSMugxSmOgyZQ7Ac3jfxjr5EgEs+o0a3ZHz0koEWDg34MPSlDNuOHtq\n\
gnuO9/tyrxDpSc/A8riQl93c+p9iFmAR+ijwN3pUgWQ9xYYSZ+iPqHi+y7xKoopd\n\
GEBaO3+hAgMBAAECggEALzzShByAtwWfIBIZ37nvxaf6w634S8k42kMONSNF5b7M\n\
a6J5HGvWBq/Y8zotnmTssSJJsDAfgKS4pBVIiTHUB0Zfls90mbXI+9lQMQT2n9s4\n\
6Y0eJc6DwYEuQSptW+FHVA66dHlQ2HSqVBV7yXAFSTOCioKDdOkHHNMN769DYHv8\n\
DGshghDX6/U0yj17ua3Tp5p/dxTxevE7M02HeBcHnDMzMd1pL/WqIlCv1MTOqECI\n\
qTLOBKMlLPbhK65EyahVe7ZQ8+0mCBgms0g4T7ntNH6fW5FOiKRRq4JlWkxgCZct\n\
v6ut7srfvFqhOp8725/DFEMgWp5/kNHK5GWiZlSzAQKBgQDziAtIQgU1rzAJAsGI\n\
IyegJk9v0qq5aC/R5WhS8T4IrjRLNi0UZfJMosVnGDKsTJqDXDXRY02YeZj22S0z\n\
vnTaF5sR5ctfO+Vmr62q1R16ag8GeBM7h2PMJ1scsxQNOHmyOrWK66yqSAUO8utZ\n\
tLWhchsz6E4W66onwvHO7QpzVQKBgQDrI18g8kPWku6CuTWFXTqau6sv+R/cwq8E\n\
hzoRdxqNaPLtl1pzroWR8WJaT/kdbLY06seh42bt0ixfRikS3vMRsfWNoQ4xnvki\n\
IdfbO7xfnsA6foTR5Sig8jBO/JZ45WjAW/oUzCXrcFOJSHneVE6Qu8W17xOBkryu\n\
jDsIu8izHQKBgBiNG44SUdIisjYGWBpwaNtFYXbFhz6f2UpQ1V6fQYDAhzcZ5BuN\n\
V4sQUdRd5SXnpyAdGLPeTgFUKO6h4GO6DK+7938raoBUWoEqrthtGcawkIk3a8Dx\n\
mkcHpLDVAO2ARwyHzKuPrN2R2yixprZpeHIpPcLS5aR757CQf647yXTtAoGAWC7B\n\
xFdW/afI7xmKauOV0OXEw48IVgBlJquYKWijepj7UgNLFstCqIMAQaJwaIqWoq3S\n\
BHKF7Xa+0VQ8nykhu2ckEeNusUlPYW+TxlJWyP1+VfGQ2i641/M8DsNHoztV154m\n\
4ZnWNr+/dGLL4Yd4l2r0MNDiXdusC0Hn+dSC5jkCgYAHLPlUUb3+L6+B35/64iT0\n\
W0qyXC1PE38rUoZ7JjPNRZ3e5jiwp1nA+qu81X4rct/Kx56OGv8J5A+jfy47HGZx\n\
S+lS1bqAcE0tJZcDv8qi7dCR+BR02ebquMcrIuOrm72xxX7AbdsIAPqp20EOY3zd\n\
jWDowmCBl/6sBv6OgFwyQg==\n\
-----END PRIVATE KEY-----\n\
";

const KEY_2048_C: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCxM1mfRJ62xfMC\n\
p9oIqgzngx2l8VgV52yFb1ilb2rxwj2WQysGYtW/Z9nq7w2u3qMjoN5vJyZxL3+R\n\
QEWcguHYKIpPAQjQbXjCgHGd5ry+VeIfx6D7QNNTXPSQFP0/hseY1+0n4S3VDKCc\n\
GxWHLoOwlHX9tGjoW6FoNAzxUtkMBOkt6362/zs4gkar9hk0+c2kshn15Zb5fOTY\n\
ManVkTtfPz4vLEienrmmzrZN3iyg3ZisiF4ejh5DPe7x5oLUF9M2DUXECmx9PtmO\n\
nU+huYqpQZJKs5bT9ZvIe3O9D3AKt32YxZzPmsOU4YYb8UbVRqTJhlLGddk+DLJe\n\
53yIinRTAgMBAAECggEAFAyf1NNHnp1/apWsUp5O+c443LhAbltcyNeO25+40CQu\n\
ogxKgh1NBaxN7fTgraBXgWX9FO2Ek3o7gFHvLmS+rJ2gUeJnlBGhgBGsCUt8n+U0\n\
FxgYFlBA45CZGUj5WHvlpIe14nUUzE4dSVxlJKz2IyoWaZTFPpkeMPNGuEgBR93W\n\
bUmkNi7sV+iBJtjH8jOb+8A+/RHbelkb0TVvQNOgxvewP7vLwN0vsJLyOum0fFnH\n\
3wuGmoDCzNrxCev7QJPVwhbWQqopxG/fUSPwVFUKJ2US3pouOu5uCJNdAUZ0GmGY\n\
BgPvw29e2DFK7Rl/fBOYZqVFdFGCLvfp7FevVyP41QKBgQDzEWotwzZW5Z9JV9Nt\n\
feu3dpanidbz0WmEjzePELJyPB2E3QHm/el9x0fM59DDHmkfmzXUlYsxKIuLUcLC\n\
jMKGq5isFIkxNwBKSR0okYBXsA9plQryYaefeS90GuUYnEqwTgX3WmRmXDEV3Yu0\n\
mQUqyGQNvzk8cLU+EyWJX24HzQKBgQC6oNI2GsNj4je2+WXJV8Xofh0xk09yzH+L\n\
i0KCFA4FsFFyFW5KSjXnASvp5IEB2BaAvOvCqlfWrsu11ldkioCHTBolttUOyXbz\n\
ii7E+kDnd19pIAB/83D3FzjjCAvyjvN//UXTOUBX6ImScAQRN5wLfbaC9IawaB1H\n\
lCZ+hC4MnwKBgEBbNAm5zgFj+rComEo9NNP2ih0B2e/kWlPGt6chfJ3SXN54xbAr\n\
Ok8bHF+cYSHIQ30i0zXeAmSZn5jbpP1t13Ngq6OkLE7jiSgiA55iJ+EPtIT3+VYD\n\
lSYcJ/xNwqqpdv0HK306aarQbg6kAgFnIn8ZX6RkJPtjvBkbaKzen3thAoGBAK7b\n\
15lR4hhH8CPD8JaBYrC+2OOGPj41VJuOUzZFTA4QcX8OjVOVzIMwGdD/g9ASgqME\n\
X3D44WwIQl2RAjj1fA9IQodrkpxULttocQGl6AH3WrHIhi9cDE+2tlohQ/Bz97nH\n\
uBB758l12tAVm/n1vIMXulVgfoHyStyx9o87kVnJAoGBAMplJP7AlZbjm31nEUOB\n\
pTHo8yuQQkY8UQZLmcE70HD2vJ2Z+lG8SOf1bS0/TwuHpWfn0lOMZg1pDNyXMWcQ\n\
1CxXB+6RYLfdjy7eziHvNrPUKsoa10kchORfhFokSsx7Js8qnFJkx4Cr9aaYmY5F\n\
Boe+KRgQhSjEQT3dqzFDYKUp\n\
-----END PRIVATE KEY-----\n\
";

const KEY_2050: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEwAIBADANBgkqhkiG9w0BAQEFAASCBKowggSmAgEAAoIBAQNSK2Mb1rF9Z5zE\n\
KnPEEDCKxlGmDQRdZoY2u+K4m85Xg/ib/Rmk2sCv0y1UK29/vG4Enn+sHmzTqCtB\n\
Pq7v7ASQb3xSYiNvafaswVtVq6rAbA8Jz5HKh3rKWA3Awo9YV+NagaFKdi5b7goH\n\
kxPpmCjoMzKgCEh0xWWjyeOQH00iLgT2rSOghXhP//0SwbQdfTjXB61N6aJxYIoP\n\
jNyZB3bHiHzu3TcNILdxSbiNM93PyzmH18mTxM53V+CJMbNf/C9HhniiJkdaSJra\n\
u/CTn/41ysatOOTCB/zHIunijgevMtbf017rANAQHyFpDjP+nGHpXei6FXWwAJ0F\n\
WKs/UfTzAgMBAAECggEBAKWa6f1cPsqsyi60DkTc2nfN1c3Ar176P56dzrYjM3h8\n\
rorELKCeM/aL7kJ9C4UYUV34+emvK4e3NGXLLgxyLxlrfg4WK8ziGTjhmUcA34wI\n\
AI3qrv2Cknqj2Fn6DC4rQJA6vA5jIvipT67WCYTxLNa+Ulg2BNcqNHhJNVi3oDDN\n\
jDmJ+Ril8Hvy4QzgCrtX8cQfxiFsl80HeLgNXHaPX9A9U6L+1d3q7naszfQJw1xu\n\
Y+c0H8YSG2i7AzJGZhvVo6Z+rDQt8RYxZLTVXj/QFk7WNn7ut+65FMvqqSX4CS19\n\
fkjTIuIenIEudotlwUPoHyxcj0CjpXlcNRK/xb9y9RECgYEB4G8lWPcxEgy4mARG\n\
AmrVBGSRQkksXbb/2Weo8SeZIY+sjSWk8kkNN0OlDwV283/ajXBTWQPtgvudEF7s\n\
5Y8NHJU3RvUZam4B/4TTR2X23o3h0Qg8PDz0Hd4ettIOBiM3LPy7HukZPH/POQlN\n\
lrRc7uJMgFWpC/d7eBOIm5IBOhUCgYEBxQOTcy04JEowomJnfQKdrLmpMBP3Hhzv\n\
HQiBXhv3nCylg7uItHzUufCJGLBKlWcgbrJogYXln5Hmc1Uw3QMIMKdGCSa7BS/t\n\
B+ZAMRNiVUzHCvVLxWhhkRVilsG1AP6snj/z9Z/vOWiMErBw1EhqTTKMgKH4D8gg\n\
v7yTDJq7XOcCgYEA8Sx6YB2+6WOvasiCaIY+pvThIphfCDBsYTOzUFPjgECCi1yB\n\
YAsh8kMn4dGJdBUTnnrrrDzXhzBOGUC9xUM5fsa9OAakGpRctmt0MFxUQEaTPH7Y\n\
1hh3J2Mwoe/ykEwvT4sTWCIFxCQY33X3GBc0q8q4Qpg9wz8aIR4VLpttuD0CgYEB\n\
WLmq59d+RGdMcRVu6Psnnzu9Gn/m6bxc3PwO7d1cZDS5UvBPTAE+I6x9txLX/q72\n\
SCZtTjrlDLOK6TLntxdKkTOJIQefA4h/2CYHrRCyIHUHdjhJi5QtwqjCWDRZl8M0\n\
+ktySvSEp2v+Q26OvYvJkKspre0TBndlLGLEh6/rafsCgYEBojjPMpx6wKL3AZgC\n\
pN5RxC41xO5Z5hx7yURTt7HJiPIIUBQRn7n7Srm5ANHjju29etIzrv3iYSJfjiq/\n\
JKl33UkxxcnQgfScCWKkKFy5ssseq4AQMamxo5fdONGrUmWsmw7w+DdGJpY6BEmv\n\
pk3YFAdMmO5aSyNFMEoNS/ddzoI=\n\
-----END PRIVATE KEY-----\n\
";

const KEY_3000: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIG1AIBADANBgkqhkiG9w0BAQEFAASCBr4wgga6AgEAAoIBeADByDAr1GmuXmS2\n\
BZs6kRrA5ha/krmFCYGQG0teS9QVkVhFa58H1qbrvUOu4c4wwTK+X2rxC5TPi3vp\n\
mdO8/Vahgosj3nnGoe3HJlXtWEfb72yw7kx9N29T/huR+gwznJn5VuOKkAFnjHYV\n\
EAk8THkvRy0csbPoogvsPIR+yTeqH+yqxcLsXvXwBh/d1TVrG6SF/iwTWy34Oo1H\n\
Fo1MHrC1MFtRgln/wXZkbhFqtWpYqUzIxZvL3fNxgk2nx62nu3pTMkGNYbFJBNor\n\
yev/MkaSm9NIPfDfbc1OqEl5geF0vHRpCitbq54NGpVGC0hvozvwsKGpPNdkwr4D\n\
86pg2D7vGBpjW7ReimejRQYqqXXpvR+PyCRfhIL0ov4Bpwv4y0f50u1S3QZ0FJNA\n\
4IcFIareNndTK1MAmFe445E4veidf1Zp6t7x8zOG0QguAIlPQvhp9jI6VzAEWw7H\n\
ct29kzSgt6NaEliHyN8BwoYVMxRPa1O56dRDpD0CAwEAAQKCAXcAoNMfcK6HK4I+\n\
APe4eEd1Pv5I9TV+Qs/zLmZUHZwsqCdvSMBbMtPp66n6i2mlUeOYHjBuGfrU6rQY\n\
rAcsc6PySysVzzg5fWDUbVhaeBew+YUgOQBoaIOij1LeoRqAhedpK7RDWvw7Ur43\n\
HXrNCtm2J2tPjooRhhwbkjQ55tsGYNjCiWY8aSbUUY3oQAWXxsOzdVyq3GWiSmqW\n\
6CjGLiaTk8yXawU64zXIFX9omZ4I9wxmkhW30t80EGUdjcqKtYghp3fS8QoVCWim\n\
APJy6EmAcw6P2XkXYiayji1w2ntKmT3gPFi1z528EGgSH8WQgsmQtcwKgR5YgC+E\n\
BQLRTA5UWYeBtxaTrLCCB/zr9dEGJYfpv4Wj1N5PamkKgVC2ApG0TKNJxLzPupAl\n\
3lJ0WexjoCVbYUgPQQAIYPn1R/x35De51ykw18rHMV9pEBxBAVTIUZu2AZgJ1maD\n\
nExbrkOzC92W2lUfHLaRmEOZUlgxlt3d2JXv2XECgbwO6KCN7Tzi0m4zN8jOsvhX\n\
KQe0GFdi6sx5bQcHHV1pM6pViaHoXQzMpq4L+I59Xtig7JCuEwxxmm6KYRdCJggZ\n\
wS63wK6A4VCYckRl6Oiv3I0ivTMxyyja48QubGCgR4nzfnMaQlxgriOezcmLhxpr\n\
nI9ZnGzt8Z93P3gB4+ENxqCMPuQMhJTBJkzxEFP0a6+A4/HvHJMMvc1AVgGybptm\n\
b03fD1AYaDSwirt0JaqS8y2u13+Z8LEQef66jQKBvAz/dztXarTCPYMMPFw6lb+W\n\
sIyesPl28pTG+g/AFr/MvvUWRkmkv8O3Lj3dZEfCgQ5M5jyLe16y3eYnEL7tixLz\n\
+FCJd+Ko4NEbZoxp5LdjFUG3bGtT5MntsAZZtfSmea6PERSOULzNegChtLaNX4LF\n\
Pkmjfa1pT/Wk+8y3HpzMOHiJuf+9EGIDWCFGt/OYZcXhYnmYhzfo/f/ci79lgW+S\n\
puVN3UKBPakYssDyogxw7z6XsKH5pmfAE3xxAoG8CgBa/PtC1jMuxGNO7gM4AFjB\n\
FzshHHXBeFAA3+/+Iz4Krdln6VbK6FuE9PjotggzsTkiEfUrauab828QyEp1Mrnb\n\
GmBDcKg2hh5Z7jfiKV/+umhMeMH+hWE40Z/Y7o0vaU7R7rLH//+yW61X4KdgvQJJ\n\
VGdQ2As43CmS20nBR5mRSKREHnWuyShlg25ds+Gt2fyQ58S2jVyi3d8UwlvbGkve\n\
5J4EMGtvtWNMP62pEW3bnqhorJ/AWPpOPV0CgbwBfMrcU6i2fvQjJydRNrMkdc5G\n\
iXKfWelw9URwwP7ZfEjuK1pn2x7G+xOjqM5tF+lFBa/jheLcd4PFbvsPnoen55un\n\
O9QocEMqKwSVVRkDk6c/GgqiTbuFEFpwn5ufH94VB/Jgc9jxgmJP6DGSIqOnh4MV\n\
Ukxzp/WqmvLl/p7WOtjLkpdimPRjAxb21+z9R5d+CckHOVlgIJ3QxiCICsnBRvsq\n\
irqjfb7ctyLdyeaZneMDOsDQCI3umaChQQKBvAkARbi7ONV1VCdPobr5Oy96LWYs\n\
M1OMM/b0km9iAVoku267XpfsRrhoYn2DgLDtT/xI3zS2wfjlQ/O5U1GZk7FbRyaz\n\
PPyjIZxuMqBaFcuHzZMnI+bJ9nAnL3fjeT0Rq+aLigCpwCX2tyY0LnhnXuuJgKEn\n\
F15o7R8dMVDIYoKRwcpChPyxbW6ITC1naYtMa9rdLSxI0SqLH5tw9RZNnolF389w\n\
FQajr1+sH0jsS7h0WOxuT2beD40zR0iB\n\
-----END PRIVATE KEY-----\n\
";

const KEY_3072_A: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIG/AIBADANBgkqhkiG9w0BAQEFAASCBuYwggbiAgEAAoIBgQCpYtDJW0bcduHH\n\
+ydCUvqV6ayVYFKOZlXGb/Hw6nX32YZOY/ZnJJQn6qOonEJCWmqDeH/vUaA68UEl\n\
DBC3NkQnBPdtARWK5OBwAxiw0rng92k2kIB8Bem0Fli9vV16urggWol+LyTICfjI\n\
3x9SffdI5nuy6rhOmkF+y5/8gRynmC/+T659GeIWoSIdstiBnewLILTYhI61CLHM\n\
ZUwuF9MUhQervtlrFEqFmC59hf7V+ifLXqy1J4o+B9BAiQ5XuMjEGSFQo9mxe/ha\n\
IVILsuPAw3QsrPNw0W8LeHMWYA3KEBncj835WHMhu8A1A/ZOM0We14RwYCGxfT+4\n\
Q3T/G2nkchjUmAOBAg9BxkAWb7vtXGwWEQacyafnAGGAtVQzf1vNnIAzLY5LHrZL\n\
JKf0Q2yGzIDFO23y+SY5etY3o6d6gB5+8BnVJi59Q9SfSZKqdOTCEL5yUahrfmyc\n\
Oz3sn9Lq+tbjOwHBO3fNuLSjh0kG6Xfcaw+Me5no9yb34rm+AOUCAwEAAQKCAYAF\n\
DDXOmlK9RSmrTPe5iUGAcCs9dFZhefk6ZaGfHU2QqkHPWjlAj51+pwZjguySj6E2\n\
88NUPWl5+DCJyxdAbnSPeR1qeSrMLc/mZqE4u77gTl8rShkaGQ8C19ujI96CRsgv\n\
5qLMSNlewLVSPxvu2GQjHwM2rLn7Vat3/NdyreJNuEJN4NABWGEdbYXXvrmm+y7K\n\
khnxjdm22WB7B9XCVeFrbh9xZcmS4FLsMkHIadLTS5YeAF9DMr9y48a39Z2gzZfZ\n\
iatNgM04dZKeEwl8t2lT9o5TTOPXS4/ISSdqRmuwCfIzF+S31wSYBu7H55NRTAU0\n\
n1WSqtxAVQGqzzv/bC+lbb5SmaPm1M93gvxuKaDjVNX6ooSEWFAuTBhvf8ttC64U\n\
hFxWG2skU2pWWOZxHT7sXUifubjxhfbzBge3J0A2gRPnjgZuRotHWj+ksb8mW2yb\n\
bURjclj6MBt5mkZGBz1pMKy2M34IRi82ZCAcTjnOt/0yTujJnGgG02/tOUznKy0C\n\
gcEA6cDXB6zaObF5tvM9oqb+5RjV3yLF2PanvAk/n8eh48uCEngEiXZbTHO49cb4\n\
DCFwQvhBzgKriadMKbNLvb8rLau+i7t6MPoTuR613JjbeEF5V9IeFlFuPZxleuNu\n\
a/2tG/+CAYiP3PjhfhotGGatYzMZDF9bNMlD78oFZmwzSv1h9i3x/M3FPRGPPH4P\n\
on/WCd0N72QVa2enL+FelzfVMWk278cLOCLLWkoCW5gFtNtA8c8K7yHVTQ5v6yvk\n\
mozTAoHBALmBu4QRgytl8ipegYBkXg7vIraBxTqaifwTWlaAkdpBrYspgebwUvHJ\n\
sSYGLCcnZVT8NBWHJ+AZ2eOlrwCVH/XnjHGAUjJx2z7ti2LcHQWXkKIhIhZrDFvi\n\
xjOq+fyUip7xKnASJrSYkhy06X0h0jJiWlnH7iOnwrLzcFFq66HGUgOXCDceqcGA\n\
63jlfHalGme8Kxvu9eVWY6zgHW0QgL+36cP5ommb0kH4hvfM57PeQA2YErQAjL0C\n\
9qsHj7xIZwKBwD5NxAKrs87E2yhEVR1RXYc6w2aiIhHeTH72CBtSXngU+ipqCuuI\n\
vHT4M0hvLBYvo3h2KzP5yjb6fHZw77M3jQ6zRCqCYeNEBJXG9bpCk9zNtsYNny9b\n\
rQKG+RV0IS5vgwB/betytsWzIIc3+uUSGQzjxb1ifTDopE75jc7q8BEA0GeJf4Je\n\
ZkAMuhzpjMlHQYmHfftctcjW69z7OPcdTpnI7Xejmf3waDs8lrxLHNpDxl+tS8DJ\n\
R80uF+6a2GfJOQKBwBlJEqs0y+FNew3FZfd/NsboV53y4FRVnjtK1AR4b+kFDMes\n\
N7WnylaEvG3HZ5tKpmhIHD1W99t3CpkaC1mT+hBFqIIMEKgpls3kCRzHjfkmKKPA\n\
ymmt27hml8eRJZQFF0QE8VjnUHlLVpctHapdws31VAVq2A3qHwLPZd7jKQ0bADDX\n\
FFqXBmKG1RHcjfOKG6hKIMIk90V0Wg/FWJ12I2Z+hhGdZELq52TwoE0ElAyTXb28\n\
ncgFTymwTrkPRctPPwKBwFtX9KNQJosR7bAnDu1Bo1sd2gFZrY/EyiZReDxyPaUa\n\
ppxkLdLjhXEhXCc1KkAsR7YjloXCC6Cjpe7ZH6u0dY48r7hskmn60qgVu/AZqlaH\n\
DWB8Z7mB20M9luN6aC3A3NxAoGUzrxojXq/ekjU4Dm/UOwf/ruscavxpZw2xSFAU\n\
Doi00ckSnPfkurdWDNdsw/y2e5+9hbyMTZMfgFXAcjBM5RncYU+nQdBtiWpXb3XL\n\
JxI69IVUJDUx1BGJagKejg==\n\
-----END PRIVATE KEY-----\n\
";

const KEY_3072_B: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIG/gIBADANBgkqhkiG9w0BAQEFAASCBugwggbkAgEAAoIBgQDVOgrIfonEdya/\n\
q9DI3J3UdKNuoYdZUgl61h2RBAeSuPeLX3flASoEeDyXgqyTraDRyPTxc7c6NDwb\n\
SGt36hnM8rXv/qzfylnfUC9+iwqTM5NkFWWY9lTwFKv/l+dSmh0Laa/S+c8+wJUf\n\
HieDXhZB/O8M1a0BH/fjap+5cSd1FU8SCtsBojwFX5EKyOiLegjI864s4bvClo8s\n\
dQWtK8c9NYd0r3Xp/7eKlIaY/GOeKHN7746jlE5ElF4eovsysJuZMDjqmOht7uuA\n\
Pr2GMGlppY8E8CwjDqtdbABUN7QocZ+DQqiJl9a0X1dUXqTwWGqg/E0bQgXFiVqv\n\
a+PRDuAJof79GZKmUZp90/bgA78UQCZAg5Suc2dKqiHoi/p0zTUsHe6eNGTMiu7j\n\
QFLeAUXlsK8w/0vs2VO8OZkwyCUPQMMNnr4E3kxIbnY+rfA7+te8vEyOfudeNLg/\n\
TUWFNXaYI4m9dLhMzC93fuTNtu78KWGEjBOutLJCo0kJdvkfNOkCAwEAAQKCAYAD\n\
D93xBmEp1zixGrFpOwLQttqUd4EbMyKD9zBuQU+vB5U1dQnimd9NuGDNX7Dk/4Ku\n\
VIuQ7pOYZEDjNullK9FSSD982mxG2+/ptSvzbiF5Hu3cS3LdrRbn6jIUneyyWth1\n\
Lh+6YMA9Q1R44YzZdffNm4lexrBA8oGzrDeuOO3jQGq15H5D4h2oyZgqfptZSme3\n\
JAmxpw20VAdrEOSjmZv3OO4wqqbftP6AoNSkfIZdMnFDG7vxhSsREMzftYE0N4VD\n\
yiEawlD6R7M09EPL2Uspa42gDjG8VsZCUqaGeWDOoSGLZdT0fgcwvYA4ipJcacT2\n\
fP8XdkNiWcUaMBxyVE+z2lrBcU7ewz78F6ZN3tGdp2+26it4SdRQUVlJMw71+wFE\n\
u7aaGdxIGzjb+CtQ2sYx1q0TY8vHfQMUk7hYRLOqN1LaMU63Vki3fusMSxF9+S3g\n\
kp1/ZGS/FR1S7Cksbtt8UZC/EExpmMehFhxIk/qAE9O4J0Sg9Avbi1MZ4YiB7XEC\n\
gcEA7jHfrnSghWehs95kdLW+RnP80HA3rwNvSIM8ezanlxThFscA7G6zsFn9ciT2\n\
NO7+A4Fc9AOpz3LXI4nCNTLLSACuMA7CVnY9WwfZaC762nqrlDXhS9JTRh9LZSQ2\n\
fj4JrAss+vmUwOwE9HrMBXqqdRbl8+QrI1v2ckNmncRst08ZInp8xyuvHUB/DbCY\n\
2qYFY+FtLR9UXKF+4u9kE/OUdiDzZQYQiVIqJ3eY+c1EUfwEUWu84GbcxA+YKjCE\n\
h3wZAoHBAOUqYDOg+CXRyjcmX+fe1ckh2ZRVCIoTB0jJY3yLmSEjksqiQLz0/wlo\n\
v8aarrPCivoLWzPUatK31Ns4OK2j+CZuHQDX/3QJif6MfeRU46aY3tlae5l+rK4Z\n\
cpGXqhxyVi0C/YgJ2RCeNYjk71O5W8qsPQf2QhDHxpo581V+E7HhzN42IXGnCeYE\n\
XpFJBRWYuuKh7zBwtR3VnwQriCDEPA3Mkx05CncofaXIsz6BXJTNkW6Qo3QvfNxo\n\
D50JfIaZUQKBwG8Lj0VMl905r/gj8N88L2W3AyDFgCA2ULYUgKjMlRrpH/q3ceXH\n\
wjuv6GlDdAi/dmp577TO1GajGks2GPUmJgD+WDaNWupmGzqKET/xzv71+3GQIOVx\n\
O2NQiZywYjs+ftHXL/QdUM0T+0dizCStyDPoJfIq6DWG1QD2DSv1+90Foikhw3Qz\n\
GGNhwxnFv60HgzHKUVSc6353x6jSg+yNPSRJPk9VoXXzeTWHGykyGezCudyfhqFz\n\
Mu6wencIwXBMWQKBwQCL8HiWjnF6BsYJL3HZUgYSsI0BO3vfdQc5t2D9KPH1fpeh\n\
Dbuip6klwcV6LfMI6n+beVvUJp6k1oUw6QATaNGcBhnH7h6caUbPHlOyHvR1Q1yy\n\
NcLMVMJ1/iwsJAVJIbjl+7F+ZSUcNMBUPBi5c7NN7CfIuORXAueQPlsNldPJCC3m\n\
c/+wO2ScBYcKCSEFsyJMSr6ZQfoXod9c2IhkGfDiLE6Zxb9STHONzSVHwg8a/v0U\n\
G1b1GBqTLSh7qNNWDkECgcEAuLXdTdHFDGCOMqUtfQpqFvvLwClel3wVJxCxSub6\n\
SpxwLTzvgrf/vguxZaUnL8taK2x1gquAFRqNQnckhZxxeiEcEsOHjRQGMYUoHxYM\n\
B5SOGYdRXP5/dKRKbTnH2x8WWHCE45hAQu6Enn3segPZxxvuRKRKHnr/W6d6ehC6\n\
ZAwVfZcHfbZbe5GFaV2JeKXXJ72U2mOfRjOjkghGHdiogCvJnQITH6I2vmckr7Gs\n\
T1R2w/4NBGVAJY2tR7LL3xEN\n\
-----END PRIVATE KEY-----\n\
";

const KEY_4095: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIJPwIBADANBgkqhkiG9w0BAQEFAASCCSkwggklAgEAAoICAFWsGgaoII60sA5V\n\
QX48KyL3KKCfkOJKDZSWYnSPr5nXSm//My6UzIYSGgMNb4CJ780kmWsjJ1gjGuX8\n\
HiyZFXQIANzkJO25UVHFsCNtm5AUTRk16IFklB+K6B64BKnTR4cU7p0eo5iHGnk8\n\
8QMUXMuGYEENu+mM6/KlvZrQkKHRWnRtsvjJdwPyXIKBoi0Gu7s1Kw/bWLAJEUZY\n\
r/3ADFTgkpQqt3om4bZ6IkhoYhOQOQwgycwJR0NfWLFPfn+nfeg2AY4h8m7DLNr6\n\
QvPzaIpUvX7ZLAky3NBMyet+p1mKfzIA5pQAY18aL5wq1rjzf/p3FeFaPuJEeRIz\n\
17wOKJYsZ9LEBz7rNrABUCTN7oI66cpVqM3B74YIb/TM28IDaA5TVZ8GAVBmA7c8\n\
ldHYbOCwM9fmweXy6WiD0nw9dOo1F0tUmjQ7ef0WFP/T2IuUY2cGvtc2tAtY8xyg\n\
i0fBFsBp+uyX/MOXHTupfebtHT//8S9RJUXG1hv07aB1q4i8L7Q6siFUzwidExrw\n\
OpnOBZtvQjRGYJLmlcw8/7W1TBjUN09hAhML6+pJC9zPGjQQ5ap51Sa53LycNJDy\n\
D0ieEJthEKpZGZlv7hILcTciHsnUE0S+gw2ffxixOKGx8mjXi53OoM4wuz55fvgR\n\
hfJTLh8oAVrq32nwSyzmXeERZeslAgMBAAECggIAVEMDDg0KiJE6n75GvivbmXZS\n\
ZTjLvWVsWfpXN6Gi6sKPGfx8kJIVXsArCVmLk3cXfkNDCdb3eX59lDoWS3L9YLQG\n\
dTuG/rFIRA8VoKLLYDg3ZFZbKfiMn0F179C59XYyYa+6yJo7+WbYKOpBee/rHNo7\n\
jYA+lATghDVzePMtbZqFRwImBv/PqPgU+N8bbQG0Xvp6Mgxg/DLO5MuRvRfIiSqf\n\
wE8LSn83fMw/L8xKukcddMpC8AUoLCF5EFvJZTCNa3jCqtLEqSAZ2/5NH7cF2Rhj\n\
kIF1CE8YU19TMeXOHwlS9RFht6tyETWmIgkYS6xi8StzP8QNGWqTUc3fn7ylOW9I\n\
p94qzc0N83CF15D1m6mw0mkn6nDmYY3tMOtFAI8P+kjf/aMHo7eF/RORACpUcbdr\n\
ShR9dNN36REnmJgaFTc3pJvJNrQ4mAQSZW8YaWJmU4tLbMwaiobit2MrDzfH6zch\n\
MihVlsudDjwymtfH6v7X0ZshuucU9p3obcYdqYaZQxOHuUxVU/V7XHk2kgVoYAMn\n\
GXrdCHcZMG3roUH1xt0o6uh+ZBgJeH60SKGwpaHT8dtUGTD3SrErcEkmGqEhGLSO\n\
Hy2IIcJrjMmRKznAyYetj3Q1/u6nX+VGzWA/DFJ/Ck6kUMCq1vjnwh8tte3+7SI8\n\
kmpnISYS4QcHPTX6dzkCggEAbvq9PT+/bV7uQrSc403WI8Nu76L+YWQyM4heKTH+\n\
hb7Ch34yCV129Vn9V0VkwPNYJeLu26hwf4EL9skzNfbExn6WDaa4u3WqcUcn73k0\n\
9l8lMu0tm3fO+rD718c2XETQLRr46jkYb5kfcq3oPwb2IAxetqC84dQK9uTFyc6+\n\
nmgm9CKfQf/ypgV3vpf+hTrzwYY0qcpYteoVoi1L7GHiyCFi0MypCXQZ9jVRhR9K\n\
loPt9yYg8O7rpYht2O5ZzGQGIcg4OxAtsIBAMEf9dIvyBLrtm1hjFa7iHBUqCxR3\n\
gVOJUD/tm2CTHWV04UMHK2OvjF6Yi94A8GC6mS8cVy8VAwKCAQEAxZ+Ct8EOZcCP\n\
kt4P/NATE4SUDqF7TbMnFCUlAK+ODI57iggHIrr4DGPGvdotbAkAoihMiEL48jOL\n\
nCIyLZHO6PUahdySiZdXfpBnrFWEyaAueLD1zpUeAwCcoF+HpfEGJA8KrxuUNbH3\n\
ds6h5wVFcHS+Oi+M/3mm3D+JQHccT6K0cLAagJ7eo0N7+/OAstzrKmPNmABn+VUI\n\
ELzj+d1M2zJF3t1UgX0gKNjyEMrRo4Vk+tL4pIYIRyLVd6SJNpXJa1MTJHMdh4ED\n\
ePnRQO1Ti+1bgcuxeFph2rOyVvL9ZXThuOawqpiGL9JUal3DFVfmK7vXVlFHxs/1\n\
qnE2RyaitwKCAQA1TsvHt+9Doe3grNEPfjv2QdHv2eNG9NIIXuCb+R/BLrhSTRPL\n\
29FgWTGP0g1rgXg9+puxd19SX7JXgJ3QthAfKH77X7IsmYCdmQhdx2LhVSKRK8xU\n\
eWA6mvjd1RsPhx5YDDS0jWhncq3gcBi27akcC9US9HLGJwx9O7amEWEOxgiwDFFj\n\
aoYrqUSzkF75sC+WLdjuFfw2pZJurENj8ED20NKeaTBpEhPGaCYYQ8eYNRcBOJdq\n\
I9mdUcMyCIup2gH4CCy6cjMALRqoFmxwpyhBjWjEzdgKek6yHphrahFdVbsHiS2h\n\
DOqdnDZgXcn71Y5lZqrvxFu/GzeGjVKXrk3xAoIBADOvSAyu3QkXl3Udxqij8plE\n\
L0S0Tv8/P5UxMcBAKbJ3ATBUcSlQJNd4sN2uVfrPT+8ZAwsQGPOfL4AiIWVxoN+k\n\
Ws9vpJN/lU5wjeywYQ4qanz+KwtgTH0Uh+IZmex4YNbFaFHrsJNqfAICgK1e345N\n\
ugKVtRaLxmwL4eWOQUVClFZ0eDnzUt74I1D9mkctKAPqHjcGxCqdZoKaJDWQ/yzE\n\
tSlYUWWcR/Dm7EggAzv1AzfmPUkqFLgmEBY+XfR8sDT1gSgjQzHROAtHqsaESzlp\n\
VmlX0I5ddQIxxQ6gdk02iGJHUyUKxu1y4MkAxKisWHJPqj3U/CSu9t0gxsVNAXkC\n\
ggEASnnVn42+AqhIExqElMrV8dXl86LmI1CjtIkHEXs3s4YCqZedtBYLl2HqpyxA\n\
0laSjSW7COIk5lZeoH5lbyWZZLqICYcELSByINy+TTIM/6zq3aOWajXrAunK25s1\n\
QLp+TlJ/EoY2kXk5xdxjfrXD7Gt8dAUEKMMOHmeJruZLtkczAVO3rYlWTGxxXalM\n\
QCilladUHXFrWDtBnchWE1JWLhbMxscUAYhUAuBv5MIbB3gPiwTY5E0p+UPVmhg6\n\
ml3GHn/GYleEcIysvRCS/fiRsPHEFF+Gg1vGGGKdkpjvna7axaRZ6z4oKI6HG3mD\n\
JupIdkmGer5OXOw87hvy9JgJeA==\n\
-----END PRIVATE KEY-----\n\
";

const KEY_4096: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIJQwIBADANBgkqhkiG9w0BAQEFAASCCS0wggkpAgEAAoICAQDAAoDOajo3tI4z\n\
oatZ4GK3ox57HV6ztFqBT6iXAr0YcivhiDYD5rcJ90tWrK1B5dxnPEN04VqFbOJk\n\
jysVgjiue+VUESbZGco1BCmcwYIE1PpksDICK2/RrxrlOGsGduoclZpbdYCCD3GG\n\
QJoZnQ63ei22yI7FePXV2uugsXkt8UywpSVIa6XbDmPhbgFm8zwIZeUl3QXWW+RB\n\
gCrtiCQQg5JgXCYpIJ3XT7OVV6RajgqdVBavOQE7ry6N2d+Bc9FQSW3/9sTuK4v4\n\
1W76AH64i8LBUx+16MWQGDpE4OKu/RGGL7/2aZDnQd9JdyQp3/mebdN+j0lY3DYU\n\
jTmmT9ju3zhXfhEWgz7GR4GYJq4ztSKrhOgljLnbAEt3nF2kWpcZo+rTkFLrB9Az\n\
uCw71004VKO4/rMpuO0a6ZZ+5CyvuPcI/JpnPbLEcgMMWbSIrbP5GG/t/qvv+NhA\n\
nyPdR8i8zi7k2qSKXcXeeGZpYo6dI3LYEGKXS9B68MIbZoVXok1jg9OdRomAW9MA\n\
dG84PlGfdhgBZ5U/HzTEvwtli8LXtwmXIez0MHPacwVQYahfEV9aWpvUcEdZTVIo\n\
/pvyAB+IBHkjm5KtCL6t+DkmtyqzZfqK0MzUGeDdsYKWl6DtLyS81zltqzect5v0\n\
1aHvl7zdF5fueOPkRTvkTJjvYpG5LQIDAQABAoICAAPq2SgSR0Cf3Kna1x/fjIFi\n\
INWoBlNaGeGbAjMd3BqdqQhc1XtJZPvH/D/Bs0w4TWxGxg/iUXeOPo/eKDsesRuF\n\
jWrPFHDn+OCRhpbQj4pGh8WaSamSgMwb9jYYgKh9BcQ9B3ftDbOO70TrAv8u8t//\n\
7GMBtFX85IkZ17ure0UvxTMyagW6+oMzB+B6HymzoIqBp7CY0eJrIAeiaYh3QgMb\n\
PWyIB22d4Sfa1AIMlnQULffCltmO1cKwYt2uhQPuB2Z2WmSXQIfPwsyPcDLwuSUj\n\
PCniZq/OVrTcpa2w5+G5lIwIDogkubnaIHKDgtee3p0im6bF83FjwW+0Z5Qde20a\n\
e9mWULxWYl91/6idgKUhRC/xWt8+JrVWFu9dJ7P3fjSLVXehJx9T3nNBMzJ2qVFy\n\
hpR9ESz/LjRJhjTlsJoGF51HgoRQwaN/zVe+CTCHM/Cm0/dOXMPmlTPL7rWEKvJG\n\
BMcWPQbXVHkxTHyJCEktmwrV0PXNCBU0cIrDUxzHUdc1nE6Q31HjjZISLhHSLOt8\n\
CXz83xJW3kR/JUUI/vP/vjMMiGUoBhbteZ8b0vD9quWfKFg70mGsb1PBCKEb42Ri\n\
xSwOxmAYp5Y7kaGxztwYH/T/ejt9kZB/do82gw2Tq3UKY4U80D8lnrsuAo1uGpsg\n\
anxqCI5LOi/0vbf8DRkhAoIBAQDgF5T0WCbv0oTH+BB/tHDzPEVs1T+OtOlARI87\n\
sli/xeNq5NZAJ9T3vRcwqg+trZLIVta2or3zlUMlbWhIH1zqJizQ1qNXPA/VTgOG\n\
gbq0/C3Wf9OqdvVzqgkMCjArNYMRIqAaYAfMp7/4U06rphJNVhWqvVU0uHTM1eJ8\n\
5KdO98e+aYmrEuzhgTRUefggVPNlAInyVLrgRkYmUb+C2BWQtC7JqUXq+llG0SlH\n\
RwXE0EX283LJzco0hRSKYCO5EzHxqD0GKQfOWDx4MKpZ1LvJMnXn9UR5YfvfVvOo\n\
pXmEzN8YRCiLACxk3lXNO0PetrTdGrzycRUIh/Z34sxpfUQNAoIBAQDbWXuV9kUe\n\
yFSjFAvjrtN6ui3UA0aMWTCWkkz1GlHWbK/4BR51+0nSqHWsfFl4Z2p664HN+dkj\n\
jTP1ht8jMTKSxCcGSxD1hKYzNdDUbJDaI1fqHUMYYKUwfKjcs0EOIHzN921KOc4L\n\
zNr5VMqdu8ehVqPSe5OvsentZ5ivUdGa3s0Q3O+Hw7eLdozYwVkm0/CiWjPBYOWl\n\
ve/g71nQcCkBvhCw03bLg7F48D9lrcsaIVlF6GoK8CuWhwAvjZy/3DYBKJdUJy9g\n\
uKJC1tzfbGs56e5PiHIZpfmzVYx8qSNmftonUyhf5YA1R2qGtIsUnZM0Eci+gSuY\n\
Uh70WVSOxWGhAoIBAQC2qeJMTnLmuDZt/kIMptwPGUkKDsWxILylG32ZzqXTJI5c\n\
+s2+G/nYOzVlAKqpCryEO2zoEL4/iKLkJkuDxrTpVFbhoKQinp3VZLMw+BxmHM2M\n\
dEPoRvGK58ZaHw/mmMcOt6fD+BVDeFXeKKIO/t8aVRpyQ8TppZXnxkzJO2U51HXo\n\
O4Txgwq+QqCSX52nVTfVU9weQXzXBdF2uNof4N2rR4R/81A/2vPc6u/33ufP52mw\n\
g/9Eik/SAcydgwJ7gS8L6fRcSiPHylr4KcsiUGsF9PDxNBctznYONoWFKeVlH86W\n\
rDBUJb8KNcXA9hc7urixJnNwOEdJ3fJFBQVU07wdAoIBAQCc9J/RQ8Jb739YneyQ\n\
BDZBWF2YmqttnBh/dbppnGa451bXQ1pzk9dUTMS/Is+mr2FrCX/9km2E2fI3G0Yp\n\
2XdVu9Qs1aQR+tQuSrDef7z6ylWLKVssY2NwmZL/Mak4YZjMjOMAPPKqUPDTfo/p\n\
ZEfJs8RPxat9CfLYtMt1kDdK+WiFS4J+hFafDbplE50mgntqwN7N3fcVrR6rtrlu\n\
xAMjwwwQa5BSui5Q2qCSslRloz1NH6xZnVejQ4Cnhk6Gnx1poNEAH3XwYM2CxFqR\n\
6POlIjYrZPg4UCKn52w6e5DgM58IiqGWVRNzjGG2eBQZMVP2607YuncmbITH1fAC\n\
pUxhAoIBAGb1luGm4LFFCuuLpB+OBobrCAopgi5chZ/NfLCgOWBG8KO6IbQ0n9vT\n\
9RU0hC+T/looOwQmFKb6dTQ4JY/Gr7dRVdwYyjcfb9L12ib4YEhlqWX2OjS16GnP\n\
9oBlNXrjGwT0bS6pg6zHED/6LHyMxSdpeCuQAxBPTN4kJgqJYm5oSt27kmZYqNek\n\
XHEYvFt0R8JtEs0dlEzOdLIW1ln3ypfEZ5VEgT4D04BhObU/BtLLLqFwXvA8Du+U\n\
AXa/nXfYbjlY7S9j9BmO5DrNSe6bW3cVaiK90G9bi9FBZLJeY31zQpIagC+TIRs1\n\
o1+urm0RHNsO84I+EI8trIx9gjuh7T4=\n\
-----END PRIVATE KEY-----\n\
";
