package dev.codi4j.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.codi4j.kernels.gpu.BinaryCache;
import dev.codi4j.kernels.gpu.Dialect;
import dev.codi4j.kernels.gpu.GpuException;
import dev.codi4j.kernels.gpu.GpuRuntime;
import dev.codi4j.kernels.gpu.KernelArgs;
import dev.codi4j.kernels.gpu.KernelRef;
import dev.codi4j.kernels.gpu.KernelSources;
import dev.codi4j.tensor.Device;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CUDA GPU through the driver API: its primary context, one stream that every copy and launch is
 * queued on, programs compiled by NVRTC for the device's architecture (CUBIN, cached on disk),
 * and two pinned staging buffers so that small uploads (token ids, positions) return at once without
 * draining the stream.
 *
 * <p>NOT VERIFIED ON HARDWARE: written against cuda.h / nvrtc.h and unit-tested without a GPU (see
 * docs/gpu.md); run CudaBackendTest on a GPU machine before trusting it.
 */
public final class CudaRuntime implements GpuRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(CudaRuntime.class);
    private static final long STAGING = 1 << 20;

    /** NVRTC options: IEEE division and no contraction of a·b + c (bit-exact conversions need both), C++17. */
    static final List<String> NVRTC_OPTIONS = List.of("--std=c++17", "-fmad=false", "-prec-div=true", "-prec-sqrt=true", "-ftz=false", "-default-device");

    private record Function(MemorySegment handle) {}

    private final CudaDriver cu;
    private final Nvrtc nvrtc;
    private final int ordinal, ccMajor, ccMinor, sms, maxThreads;
    private final String name;
    private final long totalMem;
    private final double bandwidth;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ctx, stream, scratch;
    private final MemorySegment[] staging = new MemorySegment[2];
    private final MemorySegment[] stagingDone = new MemorySegment[2];
    private int stagingNext;
    private final BinaryCache cache = BinaryCache.forApi("cuda");
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<KernelRef, Function> functions = new HashMap<>();
    private boolean closed;

    public CudaRuntime(int ordinal) {
        this.cu = CudaDriver.load();
        this.nvrtc = Nvrtc.load();
        this.ordinal = ordinal;
        this.scratch = arena.allocate(16384, 16);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            cu.check((int) cu.deviceGetCount.invokeExact(n), "cuDeviceGetCount", null);
            if (ordinal < 0 || ordinal >= n.get(JAVA_INT, 0)) throw new IllegalArgumentException("CUDA device " + ordinal + " does not exist; " + n.get(JAVA_INT, 0) + " GPU(s) visible");
            MemorySegment dev = a.allocate(JAVA_INT);
            cu.check((int) cu.deviceGet.invokeExact(dev, ordinal), "cuDeviceGet", "ordinal " + ordinal);
            int d = dev.get(JAVA_INT, 0);
            MemorySegment nm = a.allocate(256);
            cu.check((int) cu.deviceGetName.invokeExact(nm, 256, d), "cuDeviceGetName", null);
            name = nm.getString(0, StandardCharsets.US_ASCII);
            ccMajor = attribute(d, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            ccMinor = attribute(d, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            sms = attribute(d, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
            maxThreads = attribute(d, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
            // kHz × bus bits × 2 (DDR) / 8: the theoretical DRAM bandwidth the decode roofline uses
            bandwidth = 2.0 * attribute(d, CudaDriver.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE) * 1e3 * attribute(d, CudaDriver.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH) / 8;
            MemorySegment mem = a.allocate(JAVA_LONG);
            cu.check((int) cu.deviceTotalMem.invokeExact(mem, d), "cuDeviceTotalMem", null);
            totalMem = mem.get(JAVA_LONG, 0);
            MemorySegment c = a.allocate(ADDRESS);
            cu.check((int) cu.primaryCtxRetain.invokeExact(c, d), "cuDevicePrimaryCtxRetain", name);
            ctx = c.get(ADDRESS, 0);
            cu.check((int) cu.ctxSetCurrent.invokeExact(ctx), "cuCtxSetCurrent", name);
            MemorySegment s = a.allocate(ADDRESS);
            cu.check((int) cu.streamCreate.invokeExact(s, 0), "cuStreamCreate", name); // blocking w.r.t. the legacy stream, like the default
            stream = s.get(ADDRESS, 0);
            for (int i = 0; i < 2; i++) {
                MemorySegment p = a.allocate(ADDRESS);
                cu.check((int) cu.memHostAlloc.invokeExact(p, STAGING, CudaDriver.CU_MEMHOSTALLOC_PORTABLE), "cuMemHostAlloc", STAGING + " pinned bytes");
                staging[i] = p.get(ADDRESS, 0).reinterpret(STAGING);
                MemorySegment ev = a.allocate(ADDRESS);
                cu.check((int) cu.eventCreate.invokeExact(ev, CudaDriver.CU_EVENT_DISABLE_TIMING), "cuEventCreate", null);
                stagingDone[i] = ev.get(ADDRESS, 0);
            }
        } catch (Throwable t) {
            arena.close();
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
        LOG.debug("CUDA device {}: {} (sm_{}{}, {} SMs, {} MiB, NVRTC {})", ordinal, name, ccMajor, ccMinor, sms, totalMem >> 20, nvrtc.versionString());
    }

    private int attribute(int dev, int attr) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            cu.check((int) cu.deviceGetAttribute.invokeExact(v, attr, dev), "cuDeviceGetAttribute", "attribute " + attr);
            return v.get(JAVA_INT, 0);
        }
    }

    /** Compute capability as major·10 + minor (90 for an H100). */
    public int computeCapability() { return ccMajor * 10 + ccMinor; }

    /** Theoretical DRAM bandwidth in bytes/s from the memory clock and bus width. */
    public double theoreticalBandwidth() { return bandwidth; }

    @Override public Device device() { return new Device(Device.Kind.CUDA, ordinal); }

    @Override public Dialect dialect() { return Dialect.CUDA; }

    @Override public String description() { return name + " (sm_" + ccMajor + ccMinor + ", " + sms + " SMs, " + (totalMem >> 20) + " MiB, NVRTC " + nvrtc.versionString() + ")"; }

    @Override public long totalMemory() { return totalMem; }

    @Override public int computeUnits() { return sms; }

    @Override public int maxWorkGroupSize() { return maxThreads; }

    private void enter() {
        if (closed) throw new IllegalStateException("the CUDA backend on " + name + " was closed");
        try {
            cu.check((int) cu.ctxSetCurrent.invokeExact(ctx), "cuCtxSetCurrent", name);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static RuntimeException wrap(Throwable t) {
        if (t instanceof Error e) throw e;
        return t instanceof RuntimeException r ? r : new IllegalStateException("CUDA call failed", t);
    }

    // ---- memory ---------------------------------------------------------------------------

    @Override public synchronized long allocate(long bytes) {
        enter();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            cu.check((int) cu.memAlloc.invokeExact(p, Math.max(bytes, 1L)), "cuMemAlloc", bytes + " bytes");
            return p.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    @Override public synchronized void free(long handle) {
        if (closed || handle == 0) return;
        enter();
        try {
            cu.check((int) cu.memFree.invokeExact(handle), "cuMemFree", null);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    @Override public synchronized void write(long dst, long dstOffset, MemorySegment src, long bytes) {
        enter();
        if (bytes == 0) return;
        try {
            if (bytes <= STAGING) {
                // copy into a pinned buffer (once its previous copy has left it) and return at once
                int i = stagingNext;
                stagingNext ^= 1;
                cu.check((int) cu.eventSynchronize.invokeExact(stagingDone[i]), "cuEventSynchronize", null);
                staging[i].asSlice(0, bytes).copyFrom(src.asSlice(0, bytes));
                cu.check((int) cu.memcpyHtoDAsync.invokeExact(dst + dstOffset, staging[i], bytes, stream), "cuMemcpyHtoDAsync", bytes + " bytes");
                cu.check((int) cu.eventRecord.invokeExact(stagingDone[i], stream), "cuEventRecord", null);
            } else if (src.isNative()) {
                // from pageable memory the driver copies before returning, after the queued work
                cu.check((int) cu.memcpyHtoDAsync.invokeExact(dst + dstOffset, src, bytes, stream), "cuMemcpyHtoDAsync", bytes + " bytes");
                cu.check((int) cu.streamSynchronize.invokeExact(stream), "cuStreamSynchronize", "after an upload");
            } else {
                for (long off = 0; off < bytes; off += STAGING) write(dst, dstOffset + off, src.asSlice(off), Math.min(STAGING, bytes - off));
            }
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    @Override public synchronized void read(long src, long srcOffset, MemorySegment dst, long bytes) {
        enter();
        try {
            if (bytes == 0) { finish(); return; }
            if (bytes <= STAGING || !dst.isNative()) {
                for (long off = 0; off < bytes; off += STAGING) {
                    long n = Math.min(STAGING, bytes - off);
                    cu.check((int) cu.memcpyDtoHAsync.invokeExact(staging[0], src + srcOffset + off, n, stream), "cuMemcpyDtoHAsync", n + " bytes");
                    cu.check((int) cu.streamSynchronize.invokeExact(stream), "cuStreamSynchronize", "reading results");
                    dst.asSlice(off, n).copyFrom(staging[0].asSlice(0, n));
                }
            } else {
                cu.check((int) cu.memcpyDtoHAsync.invokeExact(dst, src + srcOffset, bytes, stream), "cuMemcpyDtoHAsync", bytes + " bytes");
                cu.check((int) cu.streamSynchronize.invokeExact(stream), "cuStreamSynchronize", "reading results");
            }
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    @Override public synchronized void copy(long src, long srcOffset, long dst, long dstOffset, long bytes) {
        enter();
        if (bytes == 0) return;
        try {
            cu.check((int) cu.memcpyDtoDAsync.invokeExact(dst + dstOffset, src + srcOffset, bytes, stream), "cuMemcpyDtoDAsync", bytes + " bytes");
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    @Override public synchronized void finish() {
        enter();
        try {
            cu.check((int) cu.streamSynchronize.invokeExact(stream), "cuStreamSynchronize", "waiting for queued kernels");
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    // ---- programs -----------------------------------------------------------------------------

    String arch() { return "sm_" + ccMajor + ccMinor; }

    private MemorySegment module(KernelRef ref) {
        String key = ref.programKey();
        MemorySegment m = modules.get(key);
        if (m != null) return m;
        String source = KernelSources.program(Dialect.CUDA, ref.file(), ref.defines());
        String hash = KernelSources.hash("nvrtc " + nvrtc.versionString(), arch(), String.join(" ", NVRTC_OPTIONS), source);
        long t0 = System.nanoTime();
        byte[] image = cache.get(hash);
        boolean cached = image != null;
        if (image == null) {
            Nvrtc.Image img = nvrtc.compile(key, source, arch(), NVRTC_OPTIONS);
            image = img.cubin() ? img.data() : nulTerminated(img.data());
            cache.put(hash, image);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(image.length + 1L, 16);
            data.copyFrom(MemorySegment.ofArray(image));
            MemorySegment out = a.allocate(ADDRESS);
            int e = (int) cu.moduleLoadData.invokeExact(out, data);
            if (e != 0 && cached) { // a stale cache entry (driver update): compile again
                cache.remove(hash);
                return module(ref);
            }
            cu.check(e, "cuModuleLoadData", key);
            m = out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw wrap(t);
        }
        LOG.debug("CUDA module {} ready in {} ms ({})", key, (System.nanoTime() - t0) / 1_000_000, cached ? "cache" : "NVRTC");
        modules.put(key, m);
        return m;
    }

    private static byte[] nulTerminated(byte[] ptx) {
        if (ptx.length > 0 && ptx[ptx.length - 1] == 0) return ptx;
        byte[] r = java.util.Arrays.copyOf(ptx, ptx.length + 1);
        return r;
    }

    private Function function(KernelRef ref) {
        Function f = functions.get(ref);
        if (f != null) return f;
        MemorySegment m = module(ref);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            cu.check((int) cu.moduleGetFunction.invokeExact(out, m, a.allocateFrom(ref.name())), "cuModuleGetFunction", ref.name() + " in " + ref.programKey());
            f = new Function(out.get(ADDRESS, 0));
        } catch (Throwable t) {
            throw wrap(t);
        }
        functions.put(ref, f);
        return f;
    }

    /** Grid size (blocks) per dimension for {@code global} work-items in blocks of {@code local}: OpenCL's NDRange in CUDA terms. */
    static long[] grid(long[] global, int[] local) {
        long[] g = {1, 1, 1};
        for (int d = 0; d < global.length; d++) g[d] = (global[d] + local[d] - 1) / local[d];
        if (g[0] > Integer.MAX_VALUE || g[1] > 65535 || g[2] > 65535)
            throw new GpuException("cuLaunchKernel", 1, "CUDA_ERROR_INVALID_VALUE", "grid " + g[0] + " x " + g[1] + " x " + g[2] + " exceeds CUDA's limits (2^31-1 x 65535 x 65535)");
        return g;
    }

    @Override public synchronized void launch(KernelRef ref, long[] global, int[] local, KernelArgs args) { launch(ref, global, local, 0, args); }

    /** As {@link #launch(KernelRef, long[], int[], KernelArgs)} with {@code sharedBytes} of dynamic shared memory. */
    public synchronized void launch(KernelRef ref, long[] global, int[] local, int sharedBytes, KernelArgs args) {
        enter();
        Function f = function(ref);
        long[] g = grid(global, local);
        for (long v : g) if (v == 0) return;
        int[] b = {1, 1, 1};
        for (int d = 0; d < local.length; d++) b[d] = local[d];
        MemorySegment params = CudaArgs.pack(args, scratch);
        try {
            int e = (int) cu.launchKernel.invokeExact(f.handle(), (int) g[0], (int) g[1], (int) g[2], b[0], b[1], b[2], sharedBytes, stream,
                    params, MemorySegment.NULL);
            cu.check(e, "cuLaunchKernel", ref.name() + " of " + ref.programKey() + ", args " + args);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    @Override public synchronized void close() {
        if (closed) return;
        try {
            enter();
            int ignored = (int) cu.streamSynchronize.invokeExact(stream);
            for (MemorySegment m : modules.values()) ignored = (int) cu.moduleUnload.invokeExact(m);
            for (int i = 0; i < 2; i++) {
                ignored = (int) cu.memFreeHost.invokeExact(staging[i]);
                ignored = (int) cu.eventDestroy.invokeExact(stagingDone[i]);
            }
            ignored = (int) cu.streamDestroy.invokeExact(stream);
            MemorySegment d = scratch.asSlice(0, 4);
            ignored = (int) cu.deviceGet.invokeExact(d, ordinal);
            ignored = (int) cu.primaryCtxRelease.invokeExact(d.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw wrap(t);
        } finally {
            closed = true;
            modules.clear();
            functions.clear();
            arena.close();
        }
    }
}
