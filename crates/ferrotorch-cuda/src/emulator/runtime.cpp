// ferrotorch CUDA emulator runtime: runs one kernel launch on the calling OS
// thread. Compiled once (after shim.hpp) into its own shared library, loaded
// with RTLD_GLOBAL before any module, so that every module shares one set of
// built-in variables and one pool of fiber stacks per OS thread.
//
// Blocks run one after another. Inside a block every CUDA thread is a fiber
// with its own stack, scheduled round-robin without preemption: a fiber runs
// until it finishes or waits at a barrier (__syncthreads, or a warp
// intrinsic such as __shfl_down_sync). A barrier completes when every thread
// of its group (block, or the mask's lanes of a warp) has arrived; if no
// fiber can run and the block is not done, the launch fails instead of
// hanging.
//
// Fibers start with makecontext/setcontext once per stack; from then on the
// top frame of each stack (fiber_main) stays alive forever, and switches use
// _setjmp/_longjmp, which unlike swapcontext make no system call (a launch
// of 64 x 256 threads switches ~50000 times). Every jump targets a frame
// that is still live: fiber_main's (never returns), a suspended fiber's
// switch_to (waiting to return) or the scheduler's switch_to.

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

extern "C" {
FT_EMU_API __thread ft_emu_uint3 ft_emu_thread_idx;
FT_EMU_API __thread ft_emu_uint3 ft_emu_block_idx;
FT_EMU_API __thread ft_emu_uint3 ft_emu_block_dim;
FT_EMU_API __thread ft_emu_uint3 ft_emu_grid_dim;
FT_EMU_API __thread unsigned char* ft_emu_dynamic_shared;
}

namespace {

constexpr unsigned int kMaxThreads = 1024;
constexpr unsigned int kMaxWarps = kMaxThreads / 32;
// Kernels are shallow; 64 KiB leaves room for printf from a kernel.
constexpr size_t kStackBytes = 64 * 1024;
// CUDA's default limit on dynamic shared memory per block.
constexpr unsigned int kMaxDynamicShared = 48 * 1024;

enum State : unsigned char { kNew, kRunning, kReady, kAtBlockBarrier, kAtWarpBarrier, kDone };

struct Fiber {
    jmp_buf start;   // in fiber_main: jumping here runs a new CUDA thread
    jmp_buf resume;  // in switch_to: where a suspended thread continues
    void* mapping;   // the stack, a guard page at its low end
    State state;
};

struct Warp {
    unsigned int arrived;   // lanes waiting at the current barrier
    unsigned int expected;  // lanes the current barrier waits for
    unsigned int generation;
    // Double-buffered by generation: a lane can only write round g+2 after
    // every lane passed round g+1, hence finished reading round g.
    alignas(16) unsigned char slots[2][32][FT_EMU_SLOT];
};

struct Launch {
    void (*entry)(void**);
    void** params;
    unsigned int threads;  // per block
    unsigned int done;     // threads of the current block that returned
    unsigned int block_arrived;
    unsigned int block_generation;
    int block_count[2];  // __syncthreads_count, double-buffered as Warp::slots
    bool failed;
    char error[512];
};

// Everything of one OS thread. Fibers and warps live on the heap, allocated
// at the first launch; the stacks are kept for later launches.
struct Runtime {
    Fiber* fibers = nullptr;
    unsigned int booted = 0;  // fibers with a stack and a live fiber_main
    Warp* warps = nullptr;
    Launch* launch = nullptr;
    Fiber* current = nullptr;
    unsigned int current_tid = 0;
    jmp_buf scheduler;
    jmp_buf boot_return;
    ucontext_t boot_context;
    Fiber* booting = nullptr;
    unsigned char* shared = nullptr;
    size_t shared_capacity = 0;
    size_t page = 4096;

    ~Runtime() {
        for (unsigned int i = 0; i < booted; ++i) munmap(fibers[i].mapping, kStackBytes + page);
        free(fibers);
        free(warps);
        free(shared);
    }
};

thread_local Runtime rt;

void fail(Launch& l, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void fail(Launch& l, const char* fmt, ...) {
    if (l.failed) return;
    l.failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l.error, sizeof l.error, fmt, ap);
    va_end(ap);
}

// Saves the current context in `save` and continues at `target`; returns
// when something jumps back to `save`. Kept out of line so that no caller
// has locals live across the _setjmp.
__attribute__((noinline)) void switch_to(jmp_buf* save, jmp_buf* target) {
    if (_setjmp(*save) == 0) _longjmp(*target, 1);
}

// Runs the CUDA thread the scheduler picked, on the current fiber's stack.
__attribute__((noinline, noreturn)) void run_thread() {
    Runtime& r = rt;
    r.launch->entry(r.launch->params);
    r.current->state = kDone;
    r.launch->done++;
    _longjmp(r.scheduler, 1);
}

// The bottom frame of every fiber stack. It parks itself at `start` the
// first time, then runs one CUDA thread per jump to `start`.
void fiber_main() {
    Fiber* f = rt.booting;
    if (_setjmp(f->start) == 0) _longjmp(rt.boot_return, 1);
    run_thread();
}

// Gives fiber `f` a stack and a parked fiber_main; false on failure.
__attribute__((noinline)) bool boot(Runtime& r, Fiber* f) {
    void* m = mmap(nullptr, kStackBytes + r.page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return false;
    // Overflowing the stack faults on the guard page instead of silently
    // writing over the neighbouring fiber's stack.
    if (mprotect(m, r.page, PROT_NONE) != 0 || getcontext(&r.boot_context) != 0) {
        munmap(m, kStackBytes + r.page);
        return false;
    }
    f->mapping = m;
    r.boot_context.uc_stack.ss_sp = static_cast<unsigned char*>(m) + r.page;
    r.boot_context.uc_stack.ss_size = kStackBytes;
    r.boot_context.uc_link = nullptr;
    makecontext(&r.boot_context, fiber_main, 0);
    r.booting = f;
    if (_setjmp(r.boot_return) == 0) {
        setcontext(&r.boot_context);
        munmap(m, kStackBytes + r.page);  // setcontext returned: it failed
        return false;
    }
    return true;
}

bool ensure_fibers(Runtime& r, unsigned int n) {
    if (!r.fibers) {
        r.fibers = static_cast<Fiber*>(calloc(kMaxThreads, sizeof(Fiber)));
        r.warps = static_cast<Warp*>(calloc(kMaxWarps, sizeof(Warp)));
        long page = sysconf(_SC_PAGESIZE);
        if (page > 0) r.page = (size_t)page;
        if (!r.fibers || !r.warps) return false;
    }
    while (r.booted < n) {
        if (!boot(r, &r.fibers[r.booted])) return false;
        r.booted++;
    }
    return true;
}

void suspend(Runtime& r, Fiber* f, State why) {
    f->state = why;
    switch_to(&f->resume, &r.scheduler);
}

// Runs block `ft_emu_block_idx` to completion, or until the launch fails.
void run_block(Runtime& r, Launch& l) {
    const unsigned int n = l.threads;
    for (unsigned int t = 0; t < n; ++t) r.fibers[t].state = kNew;
    for (unsigned int w = 0; w < (n + 31) / 32; ++w) {
        r.warps[w].arrived = 0;
        r.warps[w].expected = 0;
    }
    l.done = 0;
    l.block_arrived = 0;
    l.block_count[0] = l.block_count[1] = 0;
    for (;;) {
        bool ran = false;
        for (unsigned int t = 0; t < n && !l.failed; ++t) {
            Fiber* f = &r.fibers[t];
            if (f->state != kNew && f->state != kReady) continue;
            ran = true;
            r.current = f;
            r.current_tid = t;
            ft_emu_thread_idx = ft_emu_uint3{t, 0, 0};
            const bool fresh = f->state == kNew;
            f->state = kRunning;
            switch_to(&r.scheduler, fresh ? &f->start : &f->resume);
        }
        if (l.failed || l.done == n) return;
        if (!ran) {
            unsigned int at_block = 0, at_warp = 0;
            for (unsigned int t = 0; t < n; ++t) {
                at_block += r.fibers[t].state == kAtBlockBarrier;
                at_warp += r.fibers[t].state == kAtWarpBarrier;
            }
            fail(l,
                 "deadlock in block %u: %u of %u threads wait at __syncthreads, %u at a warp "
                 "intrinsic (__shfl_*_sync, __syncwarp, ...), %u have returned; every thread of "
                 "a block must reach each __syncthreads, and every lane of the mask each warp "
                 "intrinsic",
                 ft_emu_block_idx.x, at_block, n, at_warp, l.done);
            return;
        }
    }
}

}  // namespace

extern "C" {

FT_EMU_API int ft_emu_syncthreads_count(int pred) {
    Runtime& r = rt;
    if (!r.launch) ft_emu_trap("__syncthreads outside a kernel launch");
    Launch& l = *r.launch;
    const unsigned int g = l.block_generation & 1u;
    l.block_count[g] += pred != 0;
    if (++l.block_arrived == l.threads) {
        l.block_arrived = 0;
        l.block_generation++;
        l.block_count[g ^ 1u] = 0;
        for (unsigned int t = 0; t < l.threads; ++t)
            if (r.fibers[t].state == kAtBlockBarrier) r.fibers[t].state = kReady;
    } else {
        suspend(r, r.current, kAtBlockBarrier);
    }
    return l.block_count[g];
}

FT_EMU_API const unsigned char* ft_emu_warp_exchange(unsigned int mask, const void* value, unsigned int size) {
    Runtime& r = rt;
    if (!r.launch) ft_emu_trap("warp intrinsic outside a kernel launch");
    Launch& l = *r.launch;
    const unsigned int tid = r.current_tid, lane = tid & 31u, w = tid >> 5;
    const unsigned int in_warp = l.threads - w * 32;
    const unsigned int present = in_warp >= 32 ? 0xffffffffu : (1u << in_warp) - 1u;
    const unsigned int expected = mask & present;
    if (!((expected >> lane) & 1u)) {
        char msg[128];
        snprintf(msg, sizeof msg, "a warp intrinsic's mask 0x%08x excludes the calling lane %u", mask, lane);
        ft_emu_trap(msg);
    }
    Warp& warp = r.warps[w];
    if (warp.arrived == 0) {
        warp.expected = expected;
    } else if (warp.expected != expected) {
        char msg[192];
        snprintf(msg, sizeof msg,
                 "lanes of warp %u wait at warp intrinsics with different masks (0x%08x and 0x%08x); "
                 "the emulator supports one warp barrier at a time",
                 w, warp.expected, expected);
        ft_emu_trap(msg);
    }
    const unsigned int g = warp.generation & 1u;
    if (size > FT_EMU_SLOT) size = FT_EMU_SLOT;
    if (size) memcpy(warp.slots[g][lane], value, size);
    warp.arrived |= 1u << lane;
    if (warp.arrived == warp.expected) {
        warp.arrived = 0;
        warp.generation++;
        for (unsigned int i = 0; i < 32; ++i) {
            Fiber& f = r.fibers[w * 32 + i];
            if (((expected >> i) & 1u) && f.state == kAtWarpBarrier) f.state = kReady;
        }
    } else {
        suspend(r, r.current, kAtWarpBarrier);
    }
    return &warp.slots[g][0][0];
}

FT_EMU_API void ft_emu_trap(const char* message) {
    Runtime& r = rt;
    if (!r.launch) {
        // Not inside a launch: there is no scheduler to return to.
        fprintf(stderr, "ferrotorch CUDA emulator: %s\n", message);
        abort();
    }
    fail(*r.launch, "thread %u of block %u: %s", r.current_tid, ft_emu_block_idx.x, message);
    _longjmp(r.scheduler, 1);
}

// Runs `entry` (a module's ft_emu_entry_<kernel>) over a grid of `grid`
// blocks of `block` threads. Returns 0, or -1 with a message in `err`.
FT_EMU_API int ft_emu_launch(void (*entry)(void**), void** params, unsigned int grid, unsigned int block,
                             unsigned int shared_bytes, char* err, size_t err_len) {
    Runtime& r = rt;
    Launch l{};
    l.entry = entry;
    l.params = params;
    l.threads = block;
    if (!entry) {
        fail(l, "no kernel entry point");
    } else if (grid == 0 || grid > 0x7fffffffu) {
        fail(l, "invalid grid size %u (must be 1..2^31-1 blocks)", grid);
    } else if (block == 0 || block > kMaxThreads) {
        fail(l, "invalid block size %u (must be 1..%u threads)", block, kMaxThreads);
    } else if (shared_bytes > kMaxDynamicShared) {
        fail(l, "%u bytes of dynamic shared memory requested, more than the %u available", shared_bytes,
             kMaxDynamicShared);
    } else if (r.launch) {
        fail(l, "a kernel launch from inside a kernel (dynamic parallelism is not emulated)");
    } else if (!ensure_fibers(r, block)) {
        fail(l, "could not allocate fiber stacks for %u threads", block);
    } else if (shared_bytes > r.shared_capacity) {
        void* p = nullptr;
        // Aligned beyond any type's needs (CUDA guarantees at least 16).
        if (posix_memalign(&p, 128, shared_bytes) != 0) {
            fail(l, "could not allocate %u bytes of dynamic shared memory", shared_bytes);
        } else {
            free(r.shared);
            r.shared = static_cast<unsigned char*>(p);
            r.shared_capacity = shared_bytes;
        }
    }
    if (!l.failed) {
        ft_emu_dynamic_shared = r.shared;
        ft_emu_grid_dim = ft_emu_uint3{grid, 1, 1};
        ft_emu_block_dim = ft_emu_uint3{block, 1, 1};
        r.launch = &l;
        for (unsigned int b = 0; b < grid && !l.failed; ++b) {
            ft_emu_block_idx = ft_emu_uint3{b, 0, 0};
            run_block(r, l);
        }
        r.launch = nullptr;
        r.current = nullptr;
    }
    if (!l.failed) return 0;
    if (err && err_len) snprintf(err, err_len, "%s", l.error);
    return -1;
}

}  // extern "C"
