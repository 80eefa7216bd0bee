//! PhysicalStorageBuffer pointers (buffer device addresses: SPV_KHR_physical_storage_buffer,
//! GL_EXT_buffer_reference).
//!
//! A pointer *value* (loaded from memory or a push constant, made by OpBitcast from a uvec2,
//! held in a variable or an OpPhi) is two 32-bit scalars, low word first: exactly its 8-byte
//! memory layout, so loads, stores, composites and bitcasts need nothing special. Where a
//! pointer is dereferenced (OpLoad, OpStore, OpAccessChain, OpPtrAccessChain, atomics), the
//! address is looked up in the dispatch's [`AddressMap`] snapshot ([`sv_resolve`]): the live
//! buffer that contains it gives an ordinary bounds-checked memory pointer (base = the
//! buffer's first byte, length = its size, offset = address - base), so every access through
//! it is checked like a storage buffer access. An address inside no live buffer (0, a freed
//! buffer, past the end) resolves to length 0: loads read 0, stores and atomics are dropped.
//! A pointer derived by an access chain turns back into a value as base + offset.
//!
//! With 64-bit integers (Int64), OpConvertPtrToU gives the address as an integer and
//! OpConvertUToPtr makes a pointer of one (zero-extended or truncated to 64 bits; ops.rs): the
//! pointer arithmetic of GL_EXT_buffer_reference2 (`p + n`, `p[i]`) is integer arithmetic on
//! the address, and the result is checked at its dereference like any other address.
//! GL_EXT_buffer_reference_uvec2 (OpBitcast to and from uvec2) is the 32-bit form.

use super::super::front::Ty;
use super::super::runtime::{CTX_SCRATCH, Ctx};
use super::{Lower, Ptr, PtrKind, Val, err, flags};
use crate::memory::addresses::AddressMap;
use crate::shader::ShaderError;
use cranelift_codegen::ir::{InstBuilder, Value, types};

/// Looks `addr` up in the dispatch's address map: returns the start of the live range that
/// contains it (0 if none) and leaves its length (0 if none) in the context's scratch words.
///
/// # Safety
/// `ctx` is the live context of an invocation.
pub(super) unsafe extern "C" fn sv_resolve(ctx: *mut Ctx, addr: u64) -> u64 {
    // SAFETY: live context; the stopper (and its address map) outlive the dispatch.
    let map: Option<&AddressMap> = unsafe { (*(*ctx).stopper).addresses.as_deref() };
    let (start, len) = map.and_then(|m| m.find(addr)).unwrap_or((0, 0));
    // SAFETY: live context, exclusively this invocation's.
    let scratch = unsafe { &mut (*ctx).scratch };
    scratch[0] = len as u32;
    scratch[1] = (len >> 32) as u32;
    start
}

impl Lower<'_, '_> {
    /// The pointee of `id`'s type if it is a PhysicalStorageBuffer pointer.
    pub(super) fn phys_pointee(&self, id: u32) -> Option<u32> {
        let ty = self.p.value_types.get(&id)?;
        match self.p.types.get(ty)? {
            Ty::PhysPtr { pointee } => Some(*pointee),
            _ => None,
        }
    }

    /// A dereferenceable pointer for the address held in `vals` (two 32-bit words).
    pub(super) fn resolve_address(
        &mut self,
        vals: &[Value],
        pointee: u32,
    ) -> Result<Ptr, ShaderError> {
        let [lo, hi] = vals else {
            return err("a PhysicalStorageBuffer pointer value that is not 8 bytes");
        };
        let lo = self.b.ins().uextend(types::I64, *lo);
        let hi = self.b.ins().uextend(types::I64, *hi);
        let hi = self.b.ins().ishl_imm_u(hi, 32);
        let addr = self.b.ins().bor(lo, hi);
        self.device_addresses = true;
        let start = self
            .call("sv_resolve", &[self.ctx, addr])
            .expect("sv_resolve returns a value");
        let len = self
            .b
            .ins()
            .load(types::I64, flags(), self.ctx, CTX_SCRATCH);
        let off = self.b.ins().isub(addr, start);
        Ok(Ptr {
            kind: PtrKind::Mem {
                base: start,
                len,
                off,
            },
            ty: pointee,
            mstride: None,
            row_major: false,
        })
    }

    /// The address a (resolved, possibly access-chained) pointer points at, as two words.
    pub(super) fn address_words(&mut self, p: &Ptr) -> Result<Vec<Value>, ShaderError> {
        let PtrKind::Mem { base, off, .. } = p.kind else {
            return err("a PhysicalStorageBuffer pointer that is not memory");
        };
        let addr = self.b.ins().iadd(base, off);
        let lo = self.b.ins().ireduce(types::I32, addr);
        let hi = self.b.ins().ushr_imm_u(addr, 32);
        let hi = self.b.ins().ireduce(types::I32, hi);
        Ok(vec![lo, hi])
    }

    /// OpPtrAccessChain / OpInBoundsPtrAccessChain: the base pointer moved by `Element` times
    /// the ArrayStride of its type, then an ordinary access chain.
    pub(super) fn ptr_access_chain(&mut self, i: &super::Inst) -> Result<Val, ShaderError> {
        let base_id = i.w(0);
        let Some(ptr_ty) = self.p.value_types.get(&base_id).copied() else {
            return err("OpPtrAccessChain of an untyped pointer");
        };
        if self.phys_pointee(base_id).is_none() {
            return err("OpPtrAccessChain is supported on PhysicalStorageBuffer pointers only");
        }
        let Some(stride) = self
            .p
            .deco(ptr_ty, spirv::Decoration::ArrayStride)
            .and_then(|a| a.first().copied())
        else {
            return err("OpPtrAccessChain on a pointer type without ArrayStride");
        };
        let mut p = self.ptr(base_id)?;
        let PtrKind::Mem { base, len, off } = p.kind else {
            return err("OpPtrAccessChain of a non-memory pointer");
        };
        let eid = i.w(1);
        let cidx = self.const_index(eid);
        let off = self.scaled(off, eid, cidx, stride as i64)?;
        p.kind = PtrKind::Mem { base, len, off };
        self.access_chain_from(p, i, 2)
    }
}
