//! Peak heap measurement for `veille bench`: a global allocator that counts live bytes only
//! while a [`Scope`] is open.
//!
//! Owned rather than taken from a crate (peak_alloc, peakmem-alloc): those count every
//! allocation of every command with read-modify-writes on shared counters, which costs the
//! classification hot path on all cores; here an idle tracker costs one relaxed load.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);
static INSTALLED: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting net bytes allocated while a [`Scope`] is open. Declare it
/// as the `#[global_allocator]` of a binary to make [`Scope::peak`] report figures.
///
/// Bytes allocated before a scope opens and freed inside it count negatively, so a scope's
/// peak is the highest net growth of the heap since it opened.
#[derive(Debug, Default, Clone, Copy)]
pub struct TrackingAlloc;

impl TrackingAlloc {
    /// The allocator (a unit value: the counters are process-wide).
    pub const fn new() -> Self {
        TrackingAlloc
    }
}

#[inline]
fn grew(bytes: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        let now = LIVE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
        if now > 0 {
            PEAK.fetch_max(now as usize, Ordering::Relaxed);
        }
    }
}

#[inline]
fn shrank(bytes: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        LIVE.fetch_sub(bytes as isize, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the counters do not touch memory.
unsafe impl GlobalAlloc for TrackingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        System.dealloc(ptr, layout)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Record that the binary runs on [`TrackingAlloc`] (its `main` calls this once), so that
/// scopes report figures instead of `None`.
pub fn mark_installed() {
    INSTALLED.store(true, Ordering::Relaxed);
}

/// A measurement window. Scopes do not nest: opening one restarts the counters.
#[derive(Debug)]
pub struct Scope(());

impl Scope {
    /// Start counting from zero.
    pub fn open() -> Scope {
        LIVE.store(0, Ordering::SeqCst);
        PEAK.store(0, Ordering::SeqCst);
        ENABLED.store(true, Ordering::SeqCst);
        Scope(())
    }

    /// Highest net heap growth since the scope opened, in bytes; `None` when the binary does
    /// not run on [`TrackingAlloc`].
    pub fn peak(&self) -> Option<u64> {
        INSTALLED
            .load(Ordering::Relaxed)
            .then(|| PEAK.load(Ordering::SeqCst) as u64)
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        ENABLED.store(false, Ordering::SeqCst);
    }
}
