package dev.codi4j.cli;

import dev.codi4j.loaders.AtomicFiles;
import dev.codi4j.loaders.safetensors.SafetensorsWriter;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code codi4j embed}: ImageBind embeddings of media files and texts, printed or written as .npy / safetensors. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed images, videos, audio and texts into ImageBind's joint space (1024-d for imagebind_huge).",
                "Files are recognised by extension (png jpg bmp gif webp | wav mp3 ogg flac | mp4 m4v mov).",
                "Rows are unit vectors (cosine similarity = dot product) unless --raw asks for the official model outputs",
                "(normalised x the modality's logit scale, clip averages not renormalised)."},
        footer = {"", "Examples:", "  codi4j embed -m imagebind_huge.pth dog.jpg bark.wav --text 'a dog barking'",
                "  codi4j embed -m imagebind_huge.pth photos/*.jpg -o photos.npy"})
public final class EmbedCommand implements CliCommand, Callable<Integer> {
    @Mixin ImageBindOptions model;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Media files (modality from the extension)")
    List<Path> files = new ArrayList<>();

    @Option(names = {"-t", "--text"}, paramLabel = "TEXT", description = "A text to embed (repeatable)")
    List<String> texts = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write (N, D) float32 to FILE.npy or FILE.safetensors (with labels) instead of printing")
    Path output;

    @Option(names = "--raw", description = "The official model outputs instead of unit vectors")
    boolean raw;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar")
    boolean quiet;

    @Override public int order() { return 30; }

    @Override public Integer call() throws Exception {
        ImageBindInputs in = new ImageBindInputs();
        for (Path f : files) in.file(f);
        for (String t : texts) in.text(t);
        if (in.size() == 0) throw new IllegalArgumentException("nothing to embed: give media files and/or --text");
        PrintWriter out = spec.commandLine().getOut();
        float[][] e;
        List<ProgressBar> bars = new ArrayList<>();
        try (var backend = model.backend(); ImageBind ib = model.open(backend)) {
            var progress = ImageBindInputs.progress(in.size(), model.batch, quiet, bars);
            e = raw ? ib.encode(in.inputs, progress) : ib.embed(in.inputs, progress);
        } finally {
            for (ProgressBar b : bars) b.close();
        }
        if (output == null) {
            for (int i = 0; i < e.length; i++) {
                StringBuilder sb = new StringBuilder(in.kinds.get(i)).append('\t').append(in.display(i)).append('\t');
                for (int j = 0; j < e[i].length; j++) sb.append(j == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.7g", e[i][j]));
                out.println(sb);
            }
            out.flush();
            return 0;
        }
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) writeNpy(output, e);
        else if (name.endsWith(".safetensors")) writeSafetensors(output, e, in);
        else throw new IllegalArgumentException("--output " + output + ": use a .npy or .safetensors file name");
        if (!quiet) spec.commandLine().getErr().println("codi4j: wrote " + e.length + " x " + e[0].length + " embeddings to " + output);
        return 0;
    }

    /** NumPy .npy v1.0, little-endian float32, C order. */
    static void writeNpy(Path path, float[][] rows) throws java.io.IOException {
        int n = rows.length, d = rows[0].length;
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + d + "), }";
        int headerLen = 10 + dict.length() + 1;
        int pad = (64 - headerLen % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * n * d).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        for (float[] r : rows) for (float v : r) b.putFloat(v);
        b.flip();
        AtomicFiles.write(path, ch -> AtomicFiles.writeFully(ch, b));
    }

    static void writeSafetensors(Path path, float[][] rows, ImageBindInputs in) throws java.io.IOException {
        int n = rows.length, d = rows[0].length;
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) System.arraycopy(rows[i], 0, flat, i * d, d);
        Map<String, String> meta = new LinkedHashMap<>();
        com.google.gson.JsonArray labels = new com.google.gson.JsonArray(), kinds = new com.google.gson.JsonArray();
        for (int i = 0; i < n; i++) { labels.add(in.labels.get(i)); kinds.add(in.kinds.get(i)); }
        meta.put("labels", labels.toString());
        meta.put("modalities", kinds.toString());
        SafetensorsWriter.write(path, Map.of("embeddings", Tensor.fromFloats(flat, n, d)), meta);
    }
}
