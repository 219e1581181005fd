package dev.codi4j.kernels.opencl;

import static dev.codi4j.kernels.opencl.OpenCl.check;
import static dev.codi4j.kernels.opencl.OpenCl.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.codi4j.kernels.gpu.BinaryCache;
import dev.codi4j.kernels.gpu.Dialect;
import dev.codi4j.kernels.gpu.GpuException;
import dev.codi4j.kernels.gpu.GpuOutOfMemoryException;
import dev.codi4j.kernels.gpu.GpuRuntime;
import dev.codi4j.kernels.gpu.KernelArgs;
import dev.codi4j.kernels.gpu.KernelRef;
import dev.codi4j.kernels.gpu.KernelSources;
import dev.codi4j.tensor.Device;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OpenCL device with its context and in-order command queue. Programs are built from the shared
 * kernel sources once per context (and reloaded from the on-disk {@link BinaryCache} when an earlier
 * run built them), kernels created once per program; launches set the arguments and enqueue without
 * waiting.
 */
public final class OpenClRuntime implements GpuRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(OpenClRuntime.class);

    /** One OpenCL device as enumerated across all platforms. */
    public record ClDevice(MemorySegment platform, MemorySegment device, String platformName, String platformVersion,
                           String name, String vendor, String version, String driver, long type) {
        public boolean isGpu() { return (type & OpenCl.CL_DEVICE_TYPE_GPU) != 0; }

        public String typeName() {
            return (type & OpenCl.CL_DEVICE_TYPE_GPU) != 0 ? "GPU" : (type & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator"
                    : (type & OpenCl.CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "device";
        }

        @Override public String toString() { return name.trim() + " (" + typeName() + ", " + platformName.trim() + ", " + version.trim() + ", driver " + driver.trim() + ")"; }
    }

    private record Kernel(MemorySegment handle, long maxWorkGroup) {}

    private final OpenCl cl;
    private final ClDevice dev;
    private final int index;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment context, queue, scratch;
    private final long globalMem, maxAlloc;
    private final int computeUnits, maxWorkGroup;
    private final String buildOptions;
    private final BinaryCache cache = BinaryCache.forApi("opencl");
    private final Map<String, MemorySegment> programs = new HashMap<>();
    private final Map<KernelRef, Kernel> kernels = new HashMap<>();
    private boolean closed;

    /**
     * Opens device {@code index} of {@link #devices()} (GPUs first). System property
     * {@code codi4j.opencl.device} may name a device by a substring of its name instead.
     */
    public OpenClRuntime(int index) {
        this.cl = OpenCl.load();
        List<ClDevice> all = devices(cl);
        if (all.isEmpty()) throw new OpenCl.UnavailableException(noDeviceReason(cl));
        String want = System.getProperty("codi4j.opencl.device");
        int pick = index;
        if (want != null && !want.isBlank()) {
            pick = -1;
            for (int i = 0; i < all.size(); i++) if (all.get(i).name().toLowerCase(Locale.ROOT).contains(want.toLowerCase(Locale.ROOT))) { pick = i; break; }
            if (pick < 0) throw new IllegalArgumentException("no OpenCL device matches codi4j.opencl.device='" + want + "'; devices: " + all);
        }
        if (pick < 0 || pick >= all.size()) throw new IllegalArgumentException("OpenCL device index " + pick + " is out of range; devices: " + all);
        this.index = pick;
        this.dev = all.get(pick);
        this.scratch = arena.allocate(4096, 16);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment props = a.allocate(JAVA_LONG, 3);
            props.setAtIndex(JAVA_LONG, 0, OpenCl.CL_CONTEXT_PLATFORM);
            props.setAtIndex(JAVA_LONG, 1, dev.platform().address());
            props.setAtIndex(JAVA_LONG, 2, 0);
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, dev.device());
            context = (MemorySegment) cl.createContext.invokeExact(props, 1, devs, MemorySegment.NULL, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateContext", dev.toString());
            queue = (MemorySegment) cl.createCommandQueue.invokeExact(context, dev.device(), 0L, err);
            check(err.get(JAVA_INT, 0), "clCreateCommandQueue", dev.toString());
        } catch (Throwable t) {
            arena.close();
            throw rethrow(t);
        }
        globalMem = infoLong(OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE);
        maxAlloc = infoLong(OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        computeUnits = (int) infoInt(OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS);
        maxWorkGroup = (int) Math.min(Integer.MAX_VALUE, infoLong(OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE));
        long fp = infoLong(OpenCl.CL_DEVICE_SINGLE_FP_CONFIG);
        // bit-exact quantisation needs IEEE division; without it fast math would differ from the reference in the last bit
        buildOptions = "-cl-std=CL1.2" + ((fp & OpenCl.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0 ? " -cl-fp32-correctly-rounded-divide-sqrt" : "");
        LOG.debug("OpenCL device {}: {} ({} compute units, {} MiB)", pick, dev, computeUnits, globalMem >> 20);
    }

    /** Every OpenCL device of every platform, GPUs first, then accelerators, then the rest (CPUs). */
    public static List<ClDevice> devices() { return devices(OpenCl.load()); }

    static List<ClDevice> devices(OpenCl cl) {
        List<ClDevice> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            int err = (int) cl.getPlatformIDs.invokeExact(0, MemorySegment.NULL, n);
            if (err == OpenCl.CL_PLATFORM_NOT_FOUND_KHR || (err == 0 && n.get(JAVA_INT, 0) == 0)) return out;
            check(err, "clGetPlatformIDs");
            int np = n.get(JAVA_INT, 0);
            MemorySegment plats = a.allocate(ADDRESS, np);
            check((int) cl.getPlatformIDs.invokeExact(np, plats, n), "clGetPlatformIDs");
            for (int p = 0; p < np; p++) {
                MemorySegment plat = plats.getAtIndex(ADDRESS, p);
                String pname = platformString(cl, plat, OpenCl.CL_PLATFORM_NAME), pver = platformString(cl, plat, OpenCl.CL_PLATFORM_VERSION);
                err = (int) cl.getDeviceIDs.invokeExact(plat, OpenCl.CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, n);
                if (err == OpenCl.CL_DEVICE_NOT_FOUND) continue;
                check(err, "clGetDeviceIDs", pname);
                int nd = n.get(JAVA_INT, 0);
                MemorySegment ds = a.allocate(ADDRESS, nd);
                check((int) cl.getDeviceIDs.invokeExact(plat, OpenCl.CL_DEVICE_TYPE_ALL, nd, ds, n), "clGetDeviceIDs", pname);
                for (int d = 0; d < nd; d++) {
                    MemorySegment dv = ds.getAtIndex(ADDRESS, d);
                    if (deviceLong(cl, dv, OpenCl.CL_DEVICE_AVAILABLE, 4) == 0) continue;
                    if (deviceLong(cl, dv, OpenCl.CL_DEVICE_ADDRESS_BITS, 4) != 64) continue; // we pass 64-bit offsets and handles
                    out.add(new ClDevice(plat, dv, pname, pver, deviceString(cl, dv, OpenCl.CL_DEVICE_NAME), deviceString(cl, dv, OpenCl.CL_DEVICE_VENDOR),
                            deviceString(cl, dv, OpenCl.CL_DEVICE_VERSION), deviceString(cl, dv, OpenCl.CL_DRIVER_VERSION),
                            deviceLong(cl, dv, OpenCl.CL_DEVICE_TYPE, 8)));
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
        out.sort(Comparator.comparingInt(d -> d.isGpu() ? 0 : (d.type() & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? 1 : 2));
        return out;
    }

    static String noDeviceReason(OpenCl cl) {
        return "the OpenCL loader " + cl.library + " found no platform with a usable 64-bit device; install an OpenCL driver "
                + "(e.g. 'apt-get install pocl-opencl-icd' for CPUs, or the NVIDIA/AMD/Intel GPU driver's ICD)";
    }

    private static String platformString(OpenCl cl, MemorySegment plat, int param) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) cl.getPlatformInfo.invokeExact(plat, param, 0L, MemorySegment.NULL, size), "clGetPlatformInfo");
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) cl.getPlatformInfo.invokeExact(plat, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetPlatformInfo");
            return buf.getString(0, StandardCharsets.UTF_8);
        }
    }

    private static String deviceString(OpenCl cl, MemorySegment dv, int param) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) cl.getDeviceInfo.invokeExact(dv, param, 0L, MemorySegment.NULL, size), "clGetDeviceInfo");
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) cl.getDeviceInfo.invokeExact(dv, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetDeviceInfo");
            return buf.getString(0, StandardCharsets.UTF_8);
        }
    }

    private static long deviceLong(OpenCl cl, MemorySegment dv, int param, int bytes) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(8);
            check((int) cl.getDeviceInfo.invokeExact(dv, param, (long) bytes, v, MemorySegment.NULL), "clGetDeviceInfo");
            return bytes == 8 ? v.get(JAVA_LONG, 0) : Integer.toUnsignedLong(v.get(JAVA_INT, 0));
        }
    }

    private long infoLong(int param) {
        try { return deviceLong(cl, dev.device(), param, 8); } catch (Throwable t) { throw rethrow(t); }
    }

    private long infoInt(int param) {
        try { return deviceLong(cl, dev.device(), param, 4); } catch (Throwable t) { throw rethrow(t); }
    }

    public ClDevice clDevice() { return dev; }

    @Override public Device device() { return new Device(Device.Kind.OPENCL, index); }

    @Override public Dialect dialect() { return Dialect.OPENCL; }

    @Override public String description() { return dev.toString(); }

    @Override public long totalMemory() { return globalMem; }

    @Override public int computeUnits() { return computeUnits; }

    @Override public int maxWorkGroupSize() { return maxWorkGroup; }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("the OpenCL backend on " + dev.name() + " was closed");
    }

    // ---- memory ---------------------------------------------------------------------------

    @Override public synchronized long allocate(long bytes) {
        ensureOpen();
        if (bytes > maxAlloc) throw new GpuOutOfMemoryException("one buffer of " + (bytes >> 20) + " MiB exceeds " + dev.name().trim()
                + "'s largest allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE = " + (maxAlloc >> 20) + " MiB)", null);
        try {
            MemorySegment err = scratch.asSlice(0, 4);
            MemorySegment mem = (MemorySegment) cl.createBuffer.invokeExact(context, OpenCl.CL_MEM_READ_WRITE, Math.max(bytes, 1L), MemorySegment.NULL, err);
            int e = err.get(JAVA_INT, 0);
            if (ClErrors.isOutOfMemory(e)) throw new GpuOutOfMemoryException("clCreateBuffer(" + bytes + " bytes) failed: " + ClErrors.name(e), null);
            check(e, "clCreateBuffer", bytes + " bytes");
            return mem.address();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override public synchronized void free(long handle) {
        if (closed || handle == 0) return;
        try {
            check((int) cl.releaseMemObject.invokeExact(MemorySegment.ofAddress(handle)), "clReleaseMemObject");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override public synchronized void write(long dst, long dstOffset, MemorySegment src, long bytes) {
        ensureOpen();
        if (bytes == 0) return;
        try (Arena a = src.isNative() ? null : Arena.ofConfined()) {
            MemorySegment from = src;
            if (a != null) { from = a.allocate(bytes, 16); from.copyFrom(src.asSlice(0, bytes)); }
            int e = (int) cl.enqueueWriteBuffer.invokeExact(queue, MemorySegment.ofAddress(dst), 1, dstOffset, bytes, from, 0, MemorySegment.NULL, MemorySegment.NULL);
            checkEnqueue(e, "clEnqueueWriteBuffer", bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override public synchronized void read(long src, long srcOffset, MemorySegment dst, long bytes) {
        ensureOpen();
        if (bytes == 0) { finish(); return; }
        try (Arena a = dst.isNative() ? null : Arena.ofConfined()) {
            MemorySegment to = a == null ? dst : a.allocate(bytes, 16);
            int e = (int) cl.enqueueReadBuffer.invokeExact(queue, MemorySegment.ofAddress(src), 1, srcOffset, bytes, to, 0, MemorySegment.NULL, MemorySegment.NULL);
            checkEnqueue(e, "clEnqueueReadBuffer", bytes + " bytes");
            if (a != null) dst.asSlice(0, bytes).copyFrom(to);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override public synchronized void copy(long src, long srcOffset, long dst, long dstOffset, long bytes) {
        ensureOpen();
        if (bytes == 0) return;
        try {
            int e = (int) cl.enqueueCopyBuffer.invokeExact(queue, MemorySegment.ofAddress(src), MemorySegment.ofAddress(dst), srcOffset, dstOffset, bytes,
                    0, MemorySegment.NULL, MemorySegment.NULL);
            checkEnqueue(e, "clEnqueueCopyBuffer", bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void checkEnqueue(int e, String call, String detail) {
        if (e == OpenCl.CL_SUCCESS) return;
        if (ClErrors.isOutOfMemory(e)) throw new GpuOutOfMemoryException(call + " (" + detail + ") failed: " + ClErrors.name(e)
                + " — the device ran out of memory or resources; use a smaller batch/resolution or a quantised dtype", null);
        throw new OpenClException(call, e, detail);
    }

    @Override public synchronized void finish() {
        ensureOpen();
        try {
            checkEnqueue((int) cl.finish.invokeExact(queue), "clFinish", "waiting for queued kernels");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- programs and kernels ----------------------------------------------------------------

    private MemorySegment program(KernelRef ref) {
        String key = ref.programKey();
        MemorySegment p = programs.get(key);
        if (p != null) return p;
        String source = KernelSources.program(Dialect.OPENCL, ref.file(), ref.defines());
        String hash = KernelSources.hash(dev.platformVersion(), dev.name(), dev.version(), dev.driver(), buildOptions, source);
        long t0 = System.nanoTime();
        p = fromBinary(hash);
        boolean cached = p != null;
        if (p == null) p = fromSource(key, source, hash);
        LOG.debug("OpenCL program {} ready in {} ms ({})", key, (System.nanoTime() - t0) / 1_000_000, cached ? "binary cache" : "compiled");
        programs.put(key, p);
        return p;
    }

    private MemorySegment fromBinary(String hash) {
        byte[] bin = cache.get(hash);
        if (bin == null) return null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(bin.length);
            data.copyFrom(MemorySegment.ofArray(bin));
            MemorySegment lens = a.allocate(JAVA_LONG);
            lens.set(JAVA_LONG, 0, bin.length);
            MemorySegment ptrs = a.allocate(ADDRESS);
            ptrs.set(ADDRESS, 0, data);
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, dev.device());
            MemorySegment status = a.allocate(JAVA_INT), err = a.allocate(JAVA_INT);
            MemorySegment prog = (MemorySegment) cl.createProgramWithBinary.invokeExact(context, 1, devs, lens, ptrs, status, err);
            if (err.get(JAVA_INT, 0) != 0 || status.get(JAVA_INT, 0) != 0) { cache.remove(hash); return null; }
            int e = (int) cl.buildProgram.invokeExact(prog, 1, devs, a.allocateFrom(buildOptions), MemorySegment.NULL, MemorySegment.NULL);
            if (e != 0) {
                int ignored = (int) cl.releaseProgram.invokeExact(prog);
                cache.remove(hash);
                return null;
            }
            return prog;
        } catch (Throwable t) {
            LOG.debug("OpenCL binary cache entry {} unusable: {}", hash, t.toString());
            return null;
        }
    }

    private MemorySegment fromSource(String key, String source, String hash) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocateFrom(source);
            MemorySegment strs = a.allocate(ADDRESS);
            strs.set(ADDRESS, 0, text);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment prog = (MemorySegment) cl.createProgramWithSource.invokeExact(context, 1, strs, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateProgramWithSource", key);
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, dev.device());
            int e = (int) cl.buildProgram.invokeExact(prog, 1, devs, a.allocateFrom(buildOptions), MemorySegment.NULL, MemorySegment.NULL);
            if (e != 0) {
                String log = buildLog(prog);
                int ignored = (int) cl.releaseProgram.invokeExact(prog);
                throw new OpenClException("clBuildProgram", e, "program " + key + " on " + dev.name().trim() + " (options " + buildOptions + "):\n"
                        + (log.length() > 8000 ? log.substring(0, 8000) + "\n..." : log));
            }
            saveBinary(prog, hash);
            return prog;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private String buildLog(MemorySegment prog) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            int e = (int) cl.getProgramBuildInfo.invokeExact(prog, dev.device(), OpenCl.CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size);
            if (e != 0) return "(no build log: " + ClErrors.name(e) + ")";
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            e = (int) cl.getProgramBuildInfo.invokeExact(prog, dev.device(), OpenCl.CL_PROGRAM_BUILD_LOG, buf.byteSize(), buf, MemorySegment.NULL);
            return e != 0 ? "(no build log)" : buf.getString(0, StandardCharsets.UTF_8).strip();
        }
    }

    private void saveBinary(MemorySegment prog, String hash) {
        if (!cache.enabled()) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            if ((int) cl.getProgramInfo.invokeExact(prog, OpenCl.CL_PROGRAM_BINARY_SIZES, 8L, size, MemorySegment.NULL) != 0) return;
            long n = size.get(JAVA_LONG, 0);
            if (n <= 0 || n > (1L << 30)) return;
            MemorySegment data = a.allocate(n);
            MemorySegment ptrs = a.allocate(ADDRESS);
            ptrs.set(ADDRESS, 0, data);
            if ((int) cl.getProgramInfo.invokeExact(prog, OpenCl.CL_PROGRAM_BINARIES, 8L, ptrs, MemorySegment.NULL) != 0) return;
            cache.put(hash, data.toArray(JAVA_BYTE));
        } catch (Throwable t) {
            LOG.debug("OpenCL program binary not cached: {}", t.toString());
        }
    }

    private Kernel kernel(KernelRef ref) {
        Kernel k = kernels.get(ref);
        if (k != null) return k;
        MemorySegment prog = program(ref);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment h = (MemorySegment) cl.createKernel.invokeExact(prog, a.allocateFrom(ref.name()), err);
            check(err.get(JAVA_INT, 0), "clCreateKernel", ref.name() + " in " + ref.programKey());
            MemorySegment wg = a.allocate(JAVA_LONG);
            check((int) cl.getKernelWorkGroupInfo.invokeExact(h, dev.device(), OpenCl.CL_KERNEL_WORK_GROUP_SIZE, 8L, wg, MemorySegment.NULL),
                    "clGetKernelWorkGroupInfo", ref.name());
            k = new Kernel(h, wg.get(JAVA_LONG, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        kernels.put(ref, k);
        return k;
    }

    @Override public synchronized void launch(KernelRef ref, long[] global, int[] local, KernelArgs args) {
        ensureOpen();
        Kernel k = kernel(ref);
        long wg = 1;
        for (int l : local) wg *= l;
        if (wg > k.maxWorkGroup()) throw new GpuException("clEnqueueNDRangeKernel", -54, "CL_INVALID_WORK_GROUP_SIZE",
                "kernel " + ref.name() + " needs work-groups of " + wg + " work-items but " + dev.name().trim() + " allows " + k.maxWorkGroup()
                        + " for it (CL_KERNEL_WORK_GROUP_SIZE)");
        try {
            // argument values are staged at 8-byte slots from offset 64 of the scratch segment
            for (int i = 0; i < args.size(); i++) {
                MemorySegment slot = scratch.asSlice(64 + 8L * i, 8);
                KernelArgs.Kind kind = args.kind(i);
                switch (kind) {
                    case BUFFER, I64 -> slot.set(JAVA_LONG, 0, args.value(i));
                    case I32, F32 -> slot.set(JAVA_INT, 0, (int) args.value(i));
                }
                int e = (int) cl.setKernelArg.invokeExact(k.handle(), i, (long) kind.bytes, slot);
                if (e != 0) throw new OpenClException("clSetKernelArg", e, "kernel " + ref.name() + " argument " + i + " (" + kind + ") of " + args);
            }
            int dims = global.length;
            MemorySegment g = scratch.asSlice(3072, 24), l = scratch.asSlice(3200, 24);
            for (int d = 0; d < dims; d++) {
                long rounded = (global[d] + local[d] - 1) / local[d] * local[d];
                g.setAtIndex(JAVA_LONG, d, rounded);
                l.setAtIndex(JAVA_LONG, d, local[d]);
                if (rounded == 0) return; // nothing to do
            }
            int e = (int) cl.enqueueNDRangeKernel.invokeExact(queue, k.handle(), dims, MemorySegment.NULL, g, l, 0, MemorySegment.NULL, MemorySegment.NULL);
            if (e != 0) checkEnqueue(e, "clEnqueueNDRangeKernel", "kernel " + ref.name() + " of " + ref.programKey() + ", args " + args);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override public synchronized void close() {
        if (closed) return;
        try {
            int ignored = (int) cl.finish.invokeExact(queue);
            for (Kernel k : kernels.values()) ignored = (int) cl.releaseKernel.invokeExact(k.handle());
            for (MemorySegment p : programs.values()) ignored = (int) cl.releaseProgram.invokeExact(p);
            ignored = (int) cl.releaseCommandQueue.invokeExact(queue);
            ignored = (int) cl.releaseContext.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            closed = true;
            kernels.clear();
            programs.clear();
            arena.close();
        }
    }
}
