package dev.codi4j.models.imagebind;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Random weights with every upstream tensor name and shape of an {@link ImageBindConfig}: what
 * benchmarks run at real size without a download, and what CLI tests write as a tiny checkpoint.
 * Values are uniform with a std of 0.02 (LayerNorm weights 1, biases 0, logit scales as upstream), so
 * activations stay finite through any depth.
 */
public final class RandomImageBind {
    private RandomImageBind() {}

    /**
     * @param dtype dtype of the matrices and embeddings (F32, F16 or BF16); norms, biases and scalars are F32
     */
    public static Map<String, Tensor> weights(ImageBindConfig c, Set<Modality> modalities, long seed, DType dtype) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        long[] s = {seed};
        for (Modality m : Modality.values()) {
            if (!modalities.contains(m)) continue;
            String pre = "modality_preprocessors." + m.key() + ".";
            ImageBindConfig.Tower t = tower(c, m);
            int d = t.embedDim();
            switch (m) {
                case VISION -> {
                    int[] k = c.kernelSize();
                    w.put(pre + "rgbt_stem.proj.1.weight", rand(s, dtype, 0.02f, d, 3, k[0], k[1], k[2]));
                    w.put(pre + "cls_token", rand(s, DType.F32, 0.02f, 1, 1, d));
                    w.put(pre + "pos_embedding_helper.pos_embed", rand(s, DType.F32, 0.02f, 1, c.visionTokens(), d));
                    w.put("modality_trunks.vision.pre_transformer_layer.0.weight", ones(d));
                    w.put("modality_trunks.vision.pre_transformer_layer.0.bias", zeros(d));
                }
                case AUDIO, DEPTH, THERMAL -> {
                    int k = m == Modality.AUDIO ? c.audioKernelSize() : m == Modality.DEPTH ? c.depthKernelSize() : c.thermalKernelSize();
                    String stem = pre + (m == Modality.DEPTH ? "depth_stem." : "rgbt_stem.");
                    int tokens = m == Modality.AUDIO ? c.audioTokens() : 1 + (ImageBindConfig.IMAGE_SIZE / k) * (ImageBindConfig.IMAGE_SIZE / k);
                    w.put(stem + "proj.weight", rand(s, dtype, 0.02f, d, 1, k, k));
                    w.put(stem + "norm_layer.weight", ones(d));
                    w.put(stem + "norm_layer.bias", zeros(d));
                    w.put(pre + "cls_token", rand(s, DType.F32, 0.02f, 1, 1, d));
                    w.put(pre + "pos_embedding_helper.pos_embed", rand(s, DType.F32, 0.02f, 1, tokens, d));
                }
                case IMU -> {
                    int k = c.imuKernelSize();
                    w.put(pre + "imu_stem.proj.weight", rand(s, dtype, 0.02f, d, ImageBindConfig.IMU_CHANNELS * k));
                    w.put(pre + "imu_stem.norm_layer.weight", ones(d));
                    w.put(pre + "imu_stem.norm_layer.bias", zeros(d));
                    w.put(pre + "cls_token", rand(s, DType.F32, 0.02f, 1, 1, d));
                    w.put(pre + "pos_embed", rand(s, DType.F32, 0.02f, 1, 1 + ImageBindConfig.IMU_LENGTH / k, d));
                }
                case TEXT -> {
                    w.put(pre + "token_embedding.weight", rand(s, dtype, 0.02f, c.textVocabSize(), d));
                    w.put(pre + "pos_embed", rand(s, DType.F32, 0.01f, 1, c.textContextLength(), d));
                }
            }
            String trunk = "modality_trunks." + m.key() + ".blocks.";
            for (int i = 0; i < t.numBlocks(); i++) {
                String b = trunk + i + ".";
                w.put(b + "norm_1.weight", ones(d));
                w.put(b + "norm_1.bias", zeros(d));
                w.put(b + "attn.in_proj_weight", rand(s, dtype, 0.02f, 3 * d, d));
                w.put(b + "attn.in_proj_bias", zeros(3 * d));
                if (m != Modality.VISION && m != Modality.TEXT) {
                    w.put(b + "attn.bias_k", rand(s, DType.F32, 0.02f, 1, 1, d));
                    w.put(b + "attn.bias_v", rand(s, DType.F32, 0.02f, 1, 1, d));
                }
                w.put(b + "attn.out_proj.weight", rand(s, dtype, 0.02f, d, d));
                w.put(b + "attn.out_proj.bias", zeros(d));
                w.put(b + "norm_2.weight", ones(d));
                w.put(b + "norm_2.bias", zeros(d));
                w.put(b + "mlp.fc1.weight", rand(s, dtype, 0.02f, 4 * d, d));
                w.put(b + "mlp.fc1.bias", zeros(4 * d));
                w.put(b + "mlp.fc2.weight", rand(s, dtype, 0.02f, d, 4 * d));
                w.put(b + "mlp.fc2.bias", zeros(d));
            }
            String head = "modality_heads." + m.key() + ".";
            if (m == Modality.TEXT) {
                w.put(head + "proj.0.weight", ones(d));
                w.put(head + "proj.0.bias", zeros(d));
                w.put(head + "proj.1.weight", rand(s, dtype, 0.02f, c.outEmbedDim(), d));
            } else {
                w.put(head + "0.weight", ones(d));
                w.put(head + "0.bias", zeros(d));
                w.put(head + (m == Modality.IMU ? "3" : "2") + ".weight", rand(s, dtype, 0.02f, c.outEmbedDim(), d));
            }
            if (m != Modality.VISION) {
                double scale = switch (m) { case TEXT -> 1 / 0.07; case AUDIO -> 20; case DEPTH, IMU -> 5; case THERMAL -> 10; default -> 1; };
                w.put("modality_postprocessors." + m.key() + ".1.log_logit_scale", Tensor.scalar((float) Math.log(scale)));
            }
        }
        return w;
    }

    private static ImageBindConfig.Tower tower(ImageBindConfig c, Modality m) {
        return switch (m) {
            case VISION -> c.vision();
            case TEXT -> c.text();
            case AUDIO -> c.audio();
            case DEPTH -> c.depth();
            case THERMAL -> c.thermal();
            case IMU -> c.imu();
        };
    }

    private static Tensor ones(int d) {
        float[] v = new float[d];
        java.util.Arrays.fill(v, 1f);
        return Tensor.fromFloats(v, d);
    }

    private static Tensor zeros(int d) { return Tensor.zeros(DType.F32, d); }

    /** Uniform in ±std·√3 from a counter-based hash (parallel, reproducible). */
    private static Tensor rand(long[] seed, DType dtype, float std, int... shape) {
        long n = Tensor.numel(shape);
        long base = seed[0];
        seed[0] += n;
        Tensor f32 = Tensor.allocate(DType.F32, shape);
        MemorySegment seg = f32.data();
        float a = std * (float) Math.sqrt(3);
        int chunks = (int) Math.max(1, n >>> 16);
        IntStream.range(0, chunks).parallel().forEach(ch -> {
            long from = n * ch / chunks, to = n * (ch + 1) / chunks;
            for (long i = from; i < to; i++) {
                long z = (base + i) * 0x9E3779B97F4A7C15L;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                z ^= z >>> 31;
                float u = (z >>> 40) * 0x1.0p-24f;            // [0, 1)
                seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (2 * u - 1) * a);
            }
        });
        if (dtype == DType.F32) return f32;
        Tensor out = Tensor.allocate(dtype, shape);
        dev.codi4j.tensor.Backends.forDevice(dev.codi4j.tensor.Device.CPU).copy(f32, out);
        f32.close();
        return out;
    }
}
