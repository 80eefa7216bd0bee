//! Reading Vulkan structures by member name, and checking that a query writes every member.
//!
//! ash prints every member of a structure in its `Debug` output under the snake_case form of
//! the Vulkan member name, so the tests can look members up by the names the specification and
//! vk.xml use ([`Members`]) without a hand-written accessor per member.

use ash::vk;
use std::fmt::Debug;

/// `maxImageDimension1D` -> `max_image_dimension1_d` (ash's naming of Vulkan members).
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The members of some structures, by Vulkan name, from their Debug output.
pub struct Members(String);

impl Members {
    pub fn of(parts: &[&dyn Debug]) -> Self {
        Members(parts.iter().map(|p| format!("{p:?}\n")).collect())
    }

    /// The printed value of member `name` (`name[i]` for an element of an array member).
    pub fn raw(&self, name: &str) -> Option<String> {
        let (base, index) = match name.split_once('[') {
            Some((b, i)) => (b, Some(i.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (name, None),
        };
        let key = format!("{}: ", snake(base));
        let text = &self.0;
        let mut from = 0;
        let start = loop {
            let at = from + text[from..].find(&key)?;
            let before = text[..at].chars().last();
            if matches!(before, Some(' ') | Some('{')) {
                break at + key.len();
            }
            from = at + key.len();
        };
        let mut depth = 0i32;
        let mut end = text.len();
        for (i, c) in text[start..].char_indices() {
            match c {
                '[' | '{' | '(' => depth += 1,
                ']' | '}' | ')' if depth == 0 => {
                    end = start + i;
                    break;
                }
                ']' | '}' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    end = start + i;
                    break;
                }
                _ => {}
            }
        }
        let value = text[start..end].trim().to_string();
        match index {
            None => Some(value),
            Some(i) => value
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .nth(i)
                .map(|v| v.trim().to_string()),
        }
    }

    /// Every top-level `member: value` pair of one structure's Debug output (snake_case names),
    /// without sType and pNext.
    pub fn pairs(one: &dyn Debug) -> Vec<(String, String)> {
        let text = format!("{one:?}");
        let Some(open) = text.find('{') else {
            return vec![];
        };
        let body = &text[open + 1..text.len().saturating_sub(1)];
        let (mut depth, mut start, mut items) = (0i32, 0, vec![]);
        for (i, c) in body.char_indices() {
            match c {
                '[' | '{' | '(' => depth += 1,
                ']' | '}' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&body[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(&body[start..]);
        items
            .iter()
            .filter_map(|item| item.split_once(": "))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .filter(|(k, _)| k != "s_type" && k != "p_next" && k != "_marker")
            .collect()
    }

    /// A numeric member (integers, floats, VkBool32).
    pub fn num(&self, name: &str) -> Option<f64> {
        self.raw(name)?.parse().ok()
    }

    /// A VkSampleCountFlags member as bits (ash prints `TYPE_1 | TYPE_4`).
    pub fn sample_counts(&self, name: &str) -> Option<u32> {
        let raw = self.raw(name)?;
        let mut bits = 0;
        for part in raw.split('|') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let n: u32 = part.strip_prefix("TYPE_")?.parse().ok()?;
            bits |= n;
        }
        Some(bits)
    }

    /// A VkBool32 feature member: `Some(true)` when reported.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.num(name).map(|v| v != 0.0)
    }
}

/// Queries `T` through vkGetPhysicalDeviceProperties2 (or Features2) twice, with its members
/// pre-filled with two different byte patterns, and returns the two Debug outputs: they are
/// equal only if the driver wrote every member.
///
/// # Safety
/// `T` must be a Vulkan output structure whose first 16 bytes are sType and pNext.
pub unsafe fn written_twice<T: Default + Debug>(
    query: impl Fn(*mut std::ffi::c_void),
) -> (String, String) {
    let mut outputs = vec![];
    for pattern in [0xA5u8, 0x5A] {
        let mut s = T::default();
        let size = std::mem::size_of::<T>();
        let bytes = &mut s as *mut T as *mut u8;
        // SAFETY: the members after the 16-byte header are plain data (integers, floats,
        // VkBool32s, enums, char and byte arrays), any byte pattern is a valid value.
        unsafe {
            std::ptr::write_bytes(bytes.add(16), pattern, size - 16);
        }
        query(&mut s as *mut T as *mut std::ffi::c_void);
        outputs.push(format!("{s:?}"));
    }
    (outputs.remove(0), outputs.remove(0))
}

/// Runs [`written_twice`] for a properties structure.
pub fn properties_written<T: Default + Debug>(
    instance: &ash::Instance,
    physical: vk::PhysicalDevice,
) -> (String, String) {
    unsafe {
        written_twice::<T>(|p| {
            let mut props = vk::PhysicalDeviceProperties2 {
                p_next: p,
                ..Default::default()
            };
            instance.get_physical_device_properties2(physical, &mut props);
        })
    }
}

/// Runs [`written_twice`] for a features structure.
pub fn features_written<T: Default + Debug>(
    instance: &ash::Instance,
    physical: vk::PhysicalDevice,
) -> (String, String) {
    unsafe {
        written_twice::<T>(|p| {
            let mut f = vk::PhysicalDeviceFeatures2 {
                p_next: p,
                ..Default::default()
            };
            instance.get_physical_device_features2(physical, &mut f);
        })
    }
}
