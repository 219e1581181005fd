package dev.codi4j.kernels.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The OpenCL 1.2 host API of the ICD loader ({@code libOpenCL.so.1}, {@code OpenCL.dll}, macOS's
 * framework) bound with {@code java.lang.foreign}: no JNI, nothing native to build. Handles
 * ({@code cl_platform_id}, {@code cl_mem}, ...) are addresses; {@code size_t} is 64-bit (we load only
 * on 64-bit JVMs). Each wrapper throws an {@link OpenClException} naming the call on error.
 */
final class OpenCl {
    // cl.h constants we use
    static final int CL_SUCCESS = 0, CL_PLATFORM_NOT_FOUND_KHR = -1001, CL_DEVICE_NOT_FOUND = -1;
    static final int CL_PLATFORM_VERSION = 0x0901, CL_PLATFORM_NAME = 0x0902, CL_PLATFORM_VENDOR = 0x0903;
    static final long CL_DEVICE_TYPE_CPU = 1 << 1, CL_DEVICE_TYPE_GPU = 1 << 2, CL_DEVICE_TYPE_ACCELERATOR = 1 << 3, CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_DEVICE_TYPE = 0x1000, CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002, CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
            CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, CL_DEVICE_SINGLE_FP_CONFIG = 0x101B, CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F,
            CL_DEVICE_LOCAL_MEM_SIZE = 0x1023, CL_DEVICE_AVAILABLE = 0x1027, CL_DEVICE_NAME = 0x102B, CL_DEVICE_VENDOR = 0x102C,
            CL_DRIVER_VERSION = 0x102D, CL_DEVICE_VERSION = 0x102F, CL_DEVICE_OPENCL_C_VERSION = 0x103D, CL_DEVICE_ADDRESS_BITS = 0x100D;
    static final long CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT = 1 << 7;
    static final long CL_CONTEXT_PLATFORM = 0x1084;
    static final long CL_QUEUE_PROFILING_ENABLE = 1 << 1;
    static final long CL_MEM_READ_WRITE = 1;
    static final int CL_PROGRAM_BINARY_SIZES = 0x1165, CL_PROGRAM_BINARIES = 0x1166, CL_PROGRAM_BUILD_LOG = 0x1183;
    static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    static final int CL_PROFILING_COMMAND_START = 0x1282, CL_PROFILING_COMMAND_END = 0x1283;

    private static final Linker LINKER = Linker.nativeLinker();

    final String library;
    private final SymbolLookup lookup;
    final MethodHandle getPlatformIDs, getPlatformInfo, getDeviceIDs, getDeviceInfo, createContext, createCommandQueue,
            createBuffer, releaseMemObject, enqueueWriteBuffer, enqueueReadBuffer, enqueueCopyBuffer, createProgramWithSource,
            createProgramWithBinary, buildProgram, getProgramBuildInfo, getProgramInfo, createKernel, setKernelArg,
            getKernelWorkGroupInfo, enqueueNDRangeKernel, finish, flush, releaseKernel, releaseProgram, releaseCommandQueue,
            releaseContext, waitForEvents, releaseEvent, getEventProfilingInfo;

    private OpenCl(String library, SymbolLookup lookup) {
        this.library = library;
        this.lookup = lookup;
        var I = JAVA_INT;
        var J = JAVA_LONG;
        var A = ADDRESS;
        getPlatformIDs = fn("clGetPlatformIDs", I, I, A, A);
        getPlatformInfo = fn("clGetPlatformInfo", I, A, I, J, A, A);
        getDeviceIDs = fn("clGetDeviceIDs", I, A, J, I, A, A);
        getDeviceInfo = fn("clGetDeviceInfo", I, A, I, J, A, A);
        createContext = fn("clCreateContext", A, A, I, A, A, A, A);
        createCommandQueue = fn("clCreateCommandQueue", A, A, A, J, A);
        createBuffer = fn("clCreateBuffer", A, A, J, J, A, A);
        releaseMemObject = fn("clReleaseMemObject", I, A);
        enqueueWriteBuffer = fn("clEnqueueWriteBuffer", I, A, A, I, J, J, A, I, A, A);
        enqueueReadBuffer = fn("clEnqueueReadBuffer", I, A, A, I, J, J, A, I, A, A);
        enqueueCopyBuffer = fn("clEnqueueCopyBuffer", I, A, A, A, J, J, J, I, A, A);
        createProgramWithSource = fn("clCreateProgramWithSource", A, A, I, A, A, A);
        createProgramWithBinary = fn("clCreateProgramWithBinary", A, A, I, A, A, A, A, A);
        buildProgram = fn("clBuildProgram", I, A, I, A, A, A, A);
        getProgramBuildInfo = fn("clGetProgramBuildInfo", I, A, A, I, J, A, A);
        getProgramInfo = fn("clGetProgramInfo", I, A, I, J, A, A);
        createKernel = fn("clCreateKernel", A, A, A, A);
        setKernelArg = fn("clSetKernelArg", I, A, I, J, A);
        getKernelWorkGroupInfo = fn("clGetKernelWorkGroupInfo", I, A, A, I, J, A, A);
        enqueueNDRangeKernel = fn("clEnqueueNDRangeKernel", I, A, A, I, A, A, A, I, A, A);
        finish = fn("clFinish", I, A);
        flush = fn("clFlush", I, A);
        releaseKernel = fn("clReleaseKernel", I, A);
        releaseProgram = fn("clReleaseProgram", I, A);
        releaseCommandQueue = fn("clReleaseCommandQueue", I, A);
        releaseContext = fn("clReleaseContext", I, A);
        waitForEvents = fn("clWaitForEvents", I, I, A);
        releaseEvent = fn("clReleaseEvent", I, A);
        getEventProfilingInfo = fn("clGetEventProfilingInfo", I, A, I, J, A, A);
    }

    private MethodHandle fn(String name, java.lang.foreign.MemoryLayout ret, java.lang.foreign.MemoryLayout... args) {
        MemorySegment sym = lookup.find(name).orElseThrow(() -> new UnavailableException(
                "the OpenCL library " + library + " has no symbol " + name + " (an OpenCL 1.2 ICD loader is needed)"));
        return LINKER.downcallHandle(sym, FunctionDescriptor.of(ret, args));
    }

    /** Why OpenCL cannot be used here, phrased for a user. */
    static final class UnavailableException extends RuntimeException {
        UnavailableException(String message) { super(message); }
    }

    /** Library names to try, most specific first; {@code codi4j.opencl.library} (or CODI4J_OPENCL_LIBRARY) overrides. */
    static List<String> candidates() {
        List<String> c = new ArrayList<>();
        String prop = System.getProperty("codi4j.opencl.library", System.getenv("CODI4J_OPENCL_LIBRARY"));
        if (prop != null && !prop.isBlank()) { c.add(prop); return c; }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("win")) c.add("OpenCL.dll");
        else if (os.contains("mac")) c.add("/System/Library/Frameworks/OpenCL.framework/OpenCL");
        else { c.add("libOpenCL.so.1"); c.add("libOpenCL.so"); }
        return c;
    }

    private static volatile Object loaded; // OpenCl or UnavailableException

    /** Binds the ICD loader once per JVM. */
    static OpenCl load() {
        Object l = loaded;
        if (l == null) {
            synchronized (OpenCl.class) {
                l = loaded;
                if (l == null) loaded = l = tryLoad();
            }
        }
        if (l instanceof UnavailableException u) throw new UnavailableException(u.getMessage());
        return (OpenCl) l;
    }

    private static Object tryLoad() {
        if (!"64".equals(System.getProperty("sun.arch.data.model", "64"))) return new UnavailableException("OpenCL support needs a 64-bit JVM");
        List<String> tried = candidates();
        for (String name : tried) {
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(name, Arena.global());
                return new OpenCl(name, lookup);
            } catch (IllegalArgumentException e) {
                // not found under this name; try the next
            } catch (UnavailableException e) {
                return e;
            }
        }
        return new UnavailableException("no OpenCL ICD loader found (tried " + String.join(", ", tried)
                + "); install one with a driver, e.g. 'apt-get install ocl-icd-libopencl1 pocl-opencl-icd' (CPU) or your GPU vendor's OpenCL driver");
    }

    // ---- checked wrappers ------------------------------------------------------------------

    static void check(int err, String call) { check(err, call, null); }

    static void check(int err, String call, String detail) {
        if (err != CL_SUCCESS) throw new OpenClException(call, err, detail);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
