//! [`Span`]: a bounds-checked window into mapped device memory.

use std::marker::PhantomData;

/// Bytes of device memory. Made only by [`super::DeviceMemory::span`] (checked against the
/// allocation), it borrows the allocation, so the pages stay mapped while it exists.
///
/// Accesses are raw copies: the host may legitimately hold the same bytes mapped, and two spans
/// may overlap (the application's error, undefined contents, never a crash).
#[derive(Clone, Copy, Debug)]
pub struct Span<'a> {
    ptr: *mut u8,
    len: usize,
    _memory: PhantomData<&'a ()>,
}

// SAFETY: a Span is a pointer into a shared mapping that outlives it; all accesses are raw
// copies whose ordering the Vulkan synchronization rules put on the application.
unsafe impl Send for Span<'_> {}
unsafe impl Sync for Span<'_> {}

/// Copies at least this large are split across the thread pool.
const PARALLEL_COPY: usize = 4 << 20;
const COPY_CHUNK: usize = 1 << 20;

impl<'a> Span<'a> {
    /// # Safety
    /// `ptr .. ptr + len` must be mapped for the lifetime `'a`.
    pub(super) unsafe fn new(ptr: *mut u8, len: usize) -> Self {
        Span {
            ptr,
            len,
            _memory: PhantomData,
        }
    }

    /// A span over ordinary memory the caller owns for `'a` (tests, and host-side buffers
    /// that go through the same code as device memory).
    pub fn from_mut_slice(s: &'a mut [u8]) -> Span<'a> {
        Span {
            ptr: s.as_mut_ptr(),
            len: s.len(),
            _memory: PhantomData,
        }
    }

    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sub-span `offset .. offset + len`, if inside this one.
    pub fn sub(&self, offset: usize, len: usize) -> Option<Span<'a>> {
        let end = offset.checked_add(len)?;
        (end <= self.len).then(|| Span {
            // SAFETY: offset <= len of a valid span.
            ptr: unsafe { self.ptr.add(offset) },
            len,
            _memory: PhantomData,
        })
    }

    #[inline]
    fn check(&self, offset: usize, len: usize) {
        assert!(
            offset.checked_add(len).is_some_and(|e| e <= self.len),
            "span access {offset}+{len} outside {} bytes",
            self.len
        );
    }

    /// Copies `dst.len()` bytes from `offset` into `dst`. Panics if out of range (a driver bug).
    pub fn read(&self, offset: usize, dst: &mut [u8]) {
        self.check(offset, dst.len());
        // SAFETY: checked range; raw copy tolerates concurrent access.
        unsafe { std::ptr::copy(self.ptr.add(offset), dst.as_mut_ptr(), dst.len()) };
    }

    /// The `N` bytes at `offset`. Panics if out of range (a driver bug).
    #[inline(always)]
    pub fn read_array<const N: usize>(&self, offset: usize) -> [u8; N] {
        self.check(offset, N);
        // SAFETY: checked range; a raw unaligned read tolerates concurrent access as `read`.
        unsafe { std::ptr::read_unaligned(self.ptr.add(offset) as *const [u8; N]) }
    }

    /// Copies `src` to `offset`. Panics if out of range (a driver bug).
    pub fn write(&self, offset: usize, src: &[u8]) {
        self.check(offset, src.len());
        // SAFETY: checked range.
        unsafe { std::ptr::copy(src.as_ptr(), self.ptr.add(offset), src.len()) };
    }

    /// Copies all of `src` (same length) into this span, across the pool when large.
    pub fn copy_from(&self, src: &Span<'_>) {
        assert_eq!(self.len, src.len, "copy between spans of different sizes");
        if self.len >= PARALLEL_COPY && !overlaps(self, src) {
            let chunks = self.len.div_ceil(COPY_CHUNK);
            crate::exec::share(chunks, |i| {
                let off = i * COPY_CHUNK;
                let n = COPY_CHUNK.min(self.len - off);
                // SAFETY: both chunks are in range and the spans do not overlap.
                unsafe { std::ptr::copy_nonoverlapping(src.ptr.add(off), self.ptr.add(off), n) };
            });
        } else {
            // SAFETY: equal, valid lengths; `copy` handles overlap.
            unsafe { std::ptr::copy(src.ptr, self.ptr, self.len) };
        }
    }

    /// Repeats `pattern` over the span (its length is a multiple of the pattern's).
    pub fn fill(&self, pattern: &[u8]) {
        assert!(!pattern.is_empty() && self.len.is_multiple_of(pattern.len()));
        let n = pattern.len();
        // Write one block of repeated pattern (no longer than the span: a clear of a narrow
        // rectangle fills many short rows), doubling it, then copy it forward.
        let block_len = ((4096 / n).max(1) * n).min(self.len);
        let mut block = Vec::with_capacity(block_len);
        block.extend_from_slice(pattern);
        while block.len() < block_len {
            let more = block.len().min(block_len - block.len());
            block.extend_from_within(..more);
        }
        let blocks = self.len.div_ceil(block_len);
        let body = |i: usize| {
            let off = i * block_len;
            let m = block_len.min(self.len - off);
            // SAFETY: in range; `block` is private to this call.
            unsafe { std::ptr::copy_nonoverlapping(block.as_ptr(), self.ptr.add(off), m) };
        };
        if self.len >= PARALLEL_COPY {
            crate::exec::share(blocks, body);
        } else {
            (0..blocks).for_each(body);
        }
    }
}

fn overlaps(a: &Span<'_>, b: &Span<'_>) -> bool {
    let (a0, b0) = (a.ptr as usize, b.ptr as usize);
    a0 < b0 + b.len && b0 < a0 + a.len
}
