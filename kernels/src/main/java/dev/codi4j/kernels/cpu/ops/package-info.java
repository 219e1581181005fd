/**
 * The CPU backend's Vector API kernels, other than GEMM and convolution: copies and dtype
 * conversion ({@link dev.codi4j.kernels.cpu.ops.Copy}, {@link dev.codi4j.kernels.cpu.ops.Quant},
 * {@link dev.codi4j.kernels.cpu.ops.Convert}), element-wise ops
 * ({@link dev.codi4j.kernels.cpu.ops.Elementwise}), normalisations
 * ({@link dev.codi4j.kernels.cpu.ops.Norms}), rotary embedding, gathers, reductions and
 * flash attention ({@link dev.codi4j.kernels.cpu.ops.Attention}).
 *
 * <h2>Rules these kernels follow, and why</h2>
 * <ul>
 *   <li><b>Vectors never cross a call that C2 might not inline.</b> A {@code FloatVector} passed to
 *   or returned from a method that is not inlined is boxed, and the loop around it runs ten to
 *   fifty times slower. C2 stops inlining once a compiled method reaches its parse-node budget,
 *   and Vector API calls are node-hungry, so: one inlined copy of a big function (exp, GELU) per
 *   compiled method; masked tails only where the function is small; helpers that take and return
 *   scalars and arrays where a kernel is big (see {@code Attention.softmaxStep},
 *   {@code Quant.q8Lanes}); constants as ready vectors ({@link dev.codi4j.kernels.cpu.ops.VMath}).
 *   Check with {@code -XX:+UnlockDiagnosticVMOptions -XX:+PrintInlining}: any
 *   "NodeCountInliningCutoff" on a method with vector parameters is a slowdown.</li>
 *   <li><b>Results never depend on JIT state or thread count.</b> Float lane sums go through
 *   {@link dev.codi4j.kernels.cpu.ops.VMath#sum} (fixed order; {@code reduceLanes(ADD)} differs
 *   between the interpreter and C2), our own exp/erf rather than the platform's, and work is
 *   split only between independent outputs.</li>
 *   <li><b>Small work stays on the calling thread.</b> A fork/join round trip costs microseconds;
 *   Llama decode calls these ops on 4096-float rows hundreds of times per token.</li>
 *   <li><b>Conversions are bit-exact with {@link dev.codi4j.tensor.Numerics}.</b> The tests check
 *   all 65536 halves, millions of floats and every branch of GGML's quantisers.</li>
 * </ul>
 */
package dev.codi4j.kernels.cpu.ops;
