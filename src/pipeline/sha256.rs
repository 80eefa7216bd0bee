//! SHA-256 (FIPS 180-4), for pipeline cache keys and entry checksums: a key names compiled code,
//! so two different inputs must not share one, which a 64- or 128-bit FNV hash cannot promise.
//! The digest itself is the RustCrypto `sha2` crate's (audited and widely used); this wrapper
//! adds the little-endian integer and length-prefixed byte-string inputs the cache keys use.

use sha2::Digest;

/// An incremental SHA-256.
#[derive(Clone, Default)]
pub struct Sha256(sha2::Sha256);

impl Sha256 {
    pub fn new() -> Self {
        Self::default()
    }

    /// The digest of `bytes`.
    pub fn digest(bytes: &[u8]) -> [u8; 32] {
        sha2::Sha256::digest(bytes).into()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Feeds `v` as 4 little-endian bytes.
    pub fn u32(&mut self, v: u32) {
        self.update(&v.to_le_bytes());
    }

    /// Feeds a length-prefixed byte string (so that concatenations cannot collide).
    pub fn bytes(&mut self, b: &[u8]) {
        self.update(&(b.len() as u64).to_le_bytes());
        self.update(b);
    }

    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::Sha256;

    fn hex(d: [u8; 32]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The examples of FIPS 180-4's companion document (csrc.nist.gov, SHA256.pdf) and the
    /// empty message.
    #[test]
    fn known_digests() {
        assert_eq!(
            hex(Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(Sha256::digest(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(Sha256::digest(&million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    /// Feeding in pieces of any size gives the digest of the whole.
    #[test]
    fn incremental_equals_whole() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let whole = Sha256::digest(&data);
        for step in [1, 3, 55, 56, 63, 64, 65, 200] {
            let mut h = Sha256::new();
            for c in data.chunks(step) {
                h.update(c);
            }
            assert_eq!(h.finish(), whole, "pieces of {step}");
        }
    }
}
