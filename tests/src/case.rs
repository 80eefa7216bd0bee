//! The `.test` files of the shader corpus (shaders/compute/NAME.test; the format is described at
//! the top of src/shader/tests.rs): one parser, std only, shared by the compiler's in-process
//! tests (src/shader/tests.rs includes this file) and the loader tests (tests/tests/corpus.rs),
//! which map its kinds and format names onto their own types.

/// Marker bytes of a `*` token; an expected word equal to it matches anything.
pub const WILD: [u8; 4] = [0xDE, 0xC0, 0xAD, 0x0B];

/// The bytes of VALUES tokens: a type tag (`u64 i64 f64 u32 i32 f32 u16 i16 u8 i8`) applies to
/// the numbers after it (default u32); `zero:N` adds N zero bytes; `*` is [`WILD`].
pub fn values(tokens: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut tag = "u32";
    for t in tokens {
        if *t == "*" {
            out.extend(WILD);
            continue;
        }
        if let Some(n) = t.strip_prefix("zero:") {
            out.extend(std::iter::repeat_n(0u8, n.parse().expect("zero:N")));
            continue;
        }
        if matches!(
            *t,
            "u64" | "i64" | "f64" | "u32" | "i32" | "f32" | "u16" | "i16" | "u8" | "i8"
        ) {
            tag = t;
            continue;
        }
        let int = |t: &str| -> i64 {
            match t.strip_prefix("0x") {
                Some(h) => i64::from_str_radix(h, 16).expect("hex"),
                None => t.parse().unwrap_or_else(|_| panic!("bad number {t}")),
            }
        };
        match tag {
            "f32" => {
                let v: f32 = match *t {
                    "nan" => f32::NAN,
                    "inf" => f32::INFINITY,
                    "-inf" => f32::NEG_INFINITY,
                    _ => t.parse().unwrap_or_else(|_| panic!("bad float {t}")),
                };
                out.extend(v.to_le_bytes());
            }
            "f64" => {
                let v: f64 = match *t {
                    "nan" => f64::NAN,
                    "inf" => f64::INFINITY,
                    "-inf" => f64::NEG_INFINITY,
                    _ => t.parse().unwrap_or_else(|_| panic!("bad double {t}")),
                };
                out.extend(v.to_le_bytes());
            }
            // 64-bit values: decimal (signed or not) or hex of up to 16 digits.
            "u64" | "i64" => {
                let v: u64 = if let Some(h) = t.strip_prefix("0x") {
                    u64::from_str_radix(h, 16).expect("hex")
                } else if t.starts_with('-') {
                    t.parse::<i64>().expect("i64") as u64
                } else {
                    t.parse().unwrap_or_else(|_| panic!("bad number {t}"))
                };
                out.extend(v.to_le_bytes());
            }
            "u32" | "i32" => out.extend((int(t) as u32).to_le_bytes()),
            "u16" | "i16" => out.extend((int(t) as u16).to_le_bytes()),
            _ => out.push(int(t) as u8),
        }
    }
    out
}

/// The descriptor kind of a `binding` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    UniformBuffer,
    StorageBuffer,
    UniformTexelBuffer,
    StorageTexelBuffer,
    StorageImage,
}

pub struct Binding {
    pub set: u32,
    pub binding: u32,
    pub kind: Kind,
    pub count: u32,
    pub first_slot: u32,
}

pub enum Slot {
    None,
    Buffer(Vec<u8>),
    /// A texel buffer: the format's name (without VK_FORMAT_) and the data.
    Texel(String, Vec<u8>),
}

pub struct Case {
    pub entry: String,
    /// `shader OTHER`: the .spv to use instead of NAME.spv.
    pub shader: Option<String>,
    pub groups: [u32; 3],
    pub base: [u32; 3],
    /// Specialization constants: (constant_id, bytes), in file order.
    pub spec: Vec<(u32, Vec<u8>)>,
    pub push: Vec<u8>,
    pub bindings: Vec<Binding>,
    pub slots: Vec<(usize, Slot)>,
    pub expects: Vec<(usize, Vec<u8>)>,
    /// `address` directives: (slot, byte offset), appended to the push constants in order.
    pub addresses: Vec<(usize, u64)>,
    /// `error TEXT`: compiling must fail with a message containing TEXT.
    pub error: Option<String>,
}

pub fn parse(text: &str) -> Case {
    let mut c = Case {
        entry: "main".into(),
        shader: None,
        groups: [1, 1, 1],
        base: [0; 3],
        spec: Vec::new(),
        push: Vec::new(),
        bindings: Vec::new(),
        slots: Vec::new(),
        expects: Vec::new(),
        addresses: Vec::new(),
        error: None,
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let t: Vec<&str> = line.split_whitespace().collect();
        let n = |i: usize| -> u32 {
            t[i].parse()
                .unwrap_or_else(|_| panic!("bad number in {line}"))
        };
        match t[0] {
            "entry" => c.entry = t[1].into(),
            "shader" => c.shader = Some(t[1].into()),
            "groups" => c.groups = [n(1), n(2), n(3)],
            "base" => c.base = [n(1), n(2), n(3)],
            "spec" => c.spec.push((n(1), values(&t[2..]))),
            "push" => c.push = values(&t[1..]),
            "binding" => c.bindings.push(Binding {
                set: n(1),
                binding: n(2),
                kind: match t[3] {
                    "ubo" => Kind::UniformBuffer,
                    "ssbo" => Kind::StorageBuffer,
                    "utb" => Kind::UniformTexelBuffer,
                    "stb" => Kind::StorageTexelBuffer,
                    "si" => Kind::StorageImage,
                    k => panic!("bad kind {k}"),
                },
                count: n(4),
                first_slot: n(5),
            }),
            "slot" => {
                let s = match t[2] {
                    "none" => Slot::None,
                    "buffer" => Slot::Buffer(values(&t[3..])),
                    "texel" => Slot::Texel(t[3].into(), values(&t[4..])),
                    k => panic!("bad slot kind {k}"),
                };
                c.slots.push((n(1) as usize, s));
            }
            "expect" => c.expects.push((n(1) as usize, values(&t[2..]))),
            "address" => c
                .addresses
                .push((n(1) as usize, t.get(2).map_or(0, |_| n(2) as u64))),
            "error" => c.error = Some(t[1..].join(" ")),
            d => panic!("unknown directive {d}"),
        }
    }
    c
}
