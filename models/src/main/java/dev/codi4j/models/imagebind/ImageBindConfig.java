package dev.codi4j.models.imagebind;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The sizes of an ImageBind model: the constructor arguments of the official {@code ImageBindModel}
 * (imagebind/models/imagebind_model.py), with {@link #huge()} the published {@code imagebind_huge}.
 * ImageBind ships no config file; {@link #fromJson} reads the upstream argument names
 * ({@code vision_embed_dim}, {@code audio_num_blocks}, ...), any missing one taking the huge value.
 *
 * @param textVocabSize the official code fixes 49408 (CLIP BPE); tiny test models may use fewer
 */
public record ImageBindConfig(int outEmbedDim, Tower vision, Tower text, Tower audio, Tower depth, Tower thermal, Tower imu,
                              int videoFrames, int[] kernelSize, int audioKernelSize, int audioStride, int audioNumMelBins,
                              int audioTargetLen, int depthKernelSize, int thermalKernelSize, int imuKernelSize,
                              int textVocabSize, int textContextLength) {

    /** One modality's trunk: width, number of blocks, attention heads. */
    public record Tower(int embedDim, int numBlocks, int numHeads) {
        public Tower {
            if (embedDim <= 0 || numBlocks < 0 || numHeads <= 0 || embedDim % numHeads != 0) {
                throw new IllegalArgumentException("bad ImageBind tower sizes: embed_dim " + embedDim + ", num_blocks " + numBlocks + ", num_heads " + numHeads);
            }
        }
    }

    /** Image side for vision, depth and thermal (fixed by the official preprocessors). */
    public static final int IMAGE_SIZE = 224;
    /** IMU input: 6 channels × 2000 samples (fixed upstream). */
    public static final int IMU_CHANNELS = 6, IMU_LENGTH = 2000;

    public ImageBindConfig {
        kernelSize = kernelSize.clone();
        if (kernelSize.length != 3) throw new IllegalArgumentException("kernel_size must have 3 values (T, H, W), got " + Arrays.toString(kernelSize));
    }

    @Override public int[] kernelSize() { return kernelSize.clone(); }

    /** {@code imagebind_huge()}: ViT-H/14 vision, OpenCLIP-H text, 1024-d joint space. */
    public static ImageBindConfig huge() {
        return new ImageBindConfig(1024,
                new Tower(1280, 32, 16), new Tower(1024, 24, 16), new Tower(768, 12, 12),
                new Tower(384, 12, 8), new Tower(768, 12, 12), new Tower(512, 6, 8),
                2, new int[] {2, 14, 14}, 16, 10, 128, 204, 16, 16, 8, 49408, 77);
    }

    public static ImageBindConfig fromJson(Path file) throws IOException {
        try {
            return fromJson(Files.readString(file));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads upstream argument names; absent ones keep {@link #huge()}'s values. */
    public static ImageBindConfig fromJson(String json) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("ImageBind config is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) throw new IllegalArgumentException("ImageBind config must be a JSON object");
        JsonObject o = root.getAsJsonObject();
        ImageBindConfig h = huge();
        int[] k = h.kernelSize;
        if (o.has("kernel_size")) {
            var arr = o.getAsJsonArray("kernel_size");
            k = new int[arr.size()];
            for (int i = 0; i < k.length; i++) k[i] = arr.get(i).getAsInt();
        }
        return new ImageBindConfig(
                i(o, "out_embed_dim", h.outEmbedDim),
                tower(o, "vision", h.vision), tower(o, "text", h.text), tower(o, "audio", h.audio),
                tower(o, "depth", h.depth), tower(o, "thermal", h.thermal), tower(o, "imu", h.imu),
                i(o, "video_frames", h.videoFrames), k,
                i(o, "audio_kernel_size", h.audioKernelSize), i(o, "audio_stride", h.audioStride),
                i(o, "audio_num_mel_bins", h.audioNumMelBins), i(o, "audio_target_len", h.audioTargetLen),
                i(o, "depth_kernel_size", h.depthKernelSize), i(o, "thermal_kernel_size", h.thermalKernelSize),
                i(o, "imu_kernel_size", h.imuKernelSize),
                i(o, "text_vocab_size", h.textVocabSize), i(o, "text_context_length", h.textContextLength));
    }

    /** The JSON {@link #fromJson} reads (upstream argument names). */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("out_embed_dim", outEmbedDim);
        put(o, "vision", vision);
        put(o, "text", text);
        put(o, "audio", audio);
        put(o, "depth", depth);
        put(o, "thermal", thermal);
        put(o, "imu", imu);
        o.addProperty("video_frames", videoFrames);
        var ks = new com.google.gson.JsonArray();
        for (int v : kernelSize) ks.add(v);
        o.add("kernel_size", ks);
        o.addProperty("audio_kernel_size", audioKernelSize);
        o.addProperty("audio_stride", audioStride);
        o.addProperty("audio_num_mel_bins", audioNumMelBins);
        o.addProperty("audio_target_len", audioTargetLen);
        o.addProperty("depth_kernel_size", depthKernelSize);
        o.addProperty("thermal_kernel_size", thermalKernelSize);
        o.addProperty("imu_kernel_size", imuKernelSize);
        o.addProperty("text_vocab_size", textVocabSize);
        o.addProperty("text_context_length", textContextLength);
        return o.toString();
    }

    /** Tokens of the audio trunk: CLS + a patch grid of the (mel × frames) spectrogram. */
    public int audioTokens() {
        return 1 + ((audioNumMelBins - audioKernelSize) / audioStride + 1) * ((audioTargetLen - audioKernelSize) / audioStride + 1);
    }

    /** Tokens of the vision trunk: CLS + (frames/kT) × (224/kH) × (224/kW) patches. */
    public int visionTokens() {
        return 1 + (videoFrames / kernelSize[0]) * (IMAGE_SIZE / kernelSize[1]) * (IMAGE_SIZE / kernelSize[2]);
    }

    private static void put(JsonObject o, String m, Tower t) {
        o.addProperty(m + "_embed_dim", t.embedDim);
        o.addProperty(m + "_num_blocks", t.numBlocks);
        o.addProperty(m + "_num_heads", t.numHeads);
    }

    private static Tower tower(JsonObject o, String m, Tower dflt) {
        return new Tower(i(o, m + "_embed_dim", dflt.embedDim), i(o, m + "_num_blocks", dflt.numBlocks), i(o, m + "_num_heads", dflt.numHeads));
    }

    private static int i(JsonObject o, String key, int dflt) {
        if (!o.has(key) || o.get(key).isJsonNull()) return dflt;
        try {
            return o.get(key).getAsInt();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("ImageBind config field '" + key + "' must be an integer, found " + o.get(key));
        }
    }

    @Override public boolean equals(Object other) {
        return other instanceof ImageBindConfig c && toJson().equals(c.toJson());
    }

    @Override public int hashCode() { return toJson().hashCode(); }

    @Override public String toString() { return "ImageBindConfig" + toJson(); }
}
