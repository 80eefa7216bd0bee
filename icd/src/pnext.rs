//! Walking pNext chains. Unknown structures are skipped, as the spec requires.

use ash::vk;
use std::ffi::c_void;

/// The structures of an input chain.
///
/// # Safety
/// `p` is null or the head of a valid chain that outlives the iterator.
pub unsafe fn iter<'a>(p: *const c_void) -> impl Iterator<Item = &'a vk::BaseInStructure<'a>> {
    let mut cur = p as *const vk::BaseInStructure<'a>;
    std::iter::from_fn(move || {
        // SAFETY: caller contract.
        let s = unsafe { cur.as_ref()? };
        cur = s.p_next;
        Some(s)
    })
}

/// The first structure of type `T` in an input chain.
///
/// # Safety
/// As [`iter`].
pub unsafe fn find<'a, T: vk::TaggedStructure>(p: *const c_void) -> Option<&'a T> {
    unsafe { iter(p) }
        .find(|s| s.s_type == T::STRUCTURE_TYPE)
        // SAFETY: the sType says the structure is a T.
        .map(|s| unsafe { &*(s as *const vk::BaseInStructure<'_> as *const T) })
}

/// The structures of an output chain, as raw pointers (the caller writes through them).
///
/// # Safety
/// `p` is null or the head of a valid, writable chain.
pub unsafe fn iter_out(p: *mut c_void) -> impl Iterator<Item = *mut vk::BaseOutStructure<'static>> {
    let mut cur = p as *mut vk::BaseOutStructure<'static>;
    std::iter::from_fn(move || {
        if cur.is_null() {
            return None;
        }
        let s = cur;
        // SAFETY: caller contract.
        cur = unsafe { (*s).p_next };
        Some(s)
    })
}

/// Overwrites an output structure with `value`, keeping its sType and pNext.
///
/// # Safety
/// `dst` points at a writable structure of type `T` (its sType says so).
pub unsafe fn write_keep_chain<T: vk::TaggedStructure>(
    dst: *mut vk::BaseOutStructure<'static>,
    value: T,
) {
    unsafe {
        let next = (*dst).p_next;
        (dst as *mut T).write(value);
        (*dst).s_type = T::STRUCTURE_TYPE;
        (*dst).p_next = next;
    }
}
