package dev.codi4j.models.codi2.components;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Video;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.codi2.spi.MediaEncoder;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.models.imagebind.Modality;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ImageBind-huge in CoDi-2's encoder role, over {@link ImageBind}.
 *
 * <p>Images: CoDi-2's modified ImageBind replaces the vision head's {@code SelectElement(index=0)}
 * with {@code nn.Identity()} and the vision postprocessor with {@code nn.Identity()}, so its "image
 * embedding" is the whole trunk output after the head's LayerNorm(eps 1e-6) and Linear(1280→1024,
 * no bias), unnormalised: 257 rows, CLS first. The head keeps its upstream state-dict names
 * ({@code modality_heads.vision.0}, {@code .2}: the Identity holds index 1), so the official
 * {@code imagebind_huge.pth} fills it; it is read here and applied to every token.
 *
 * <p>Audio: the official audio output (unit × 20, mean over 3 clips). CoDi-2's copy of ImageBind
 * inserts an {@code nn.Identity()} before the audio head's {@code SelectElement}, which moves the
 * audio projection to {@code modality_heads.audio.3} — a name {@code imagebind_huge.pth} does not
 * have ({@code .2}) — and loads with {@code strict=False}, leaving that projection randomly
 * initialised. We take it as a bug and use the checkpoint's projection, i.e. the real ImageBind
 * audio embedding.
 *
 * <p>Not thread-safe (as {@link ImageBind}); CoDi-2 calls it under its model lock.
 */
public final class ImageBindEncoder implements MediaEncoder {
    private final ImageBind ib;
    private final Backend b;
    private final Weights heads;
    private final LayerNorm visionNorm, textNorm;
    private final Linear visionProj, textProj;
    private final String name;

    private ImageBindEncoder(ImageBind ib, Backend b, Weights heads, LayerNorm visionNorm, Linear visionProj, LayerNorm textNorm, Linear textProj, String name) {
        this.ib = ib;
        this.b = b;
        this.heads = heads;
        this.visionNorm = visionNorm;
        this.visionProj = visionProj;
        this.textNorm = textNorm;
        this.textProj = textProj;
        this.name = name;
    }

    /**
     * Loads an ImageBind checkpoint ({@code imagebind_huge.pth} or a safetensors conversion), or the
     * one checkpoint in a folder, on {@code b}.
     */
    public static ImageBindEncoder load(Path location, Backend b) throws IOException {
        Path ckpt = checkpoint(location);
        ImageBind ib = ImageBind.load(ckpt, ImageBind.Options.defaults(), b);
        Weights w = null;
        try {
            w = Weights.open(ckpt);
            int width = ib.model().trunkConfig(Modality.VISION).width(), out = ib.dimension();
            Weights vh = w.pp("modality_heads").pp("vision");
            LayerNorm vn = LayerNorm.load(b, vh.pp("0"), width, 1e-6f);
            Linear vp = Linear.load(b, vh.pp("2"), width, out, false);
            LayerNorm tn = null;
            Linear tp = null;
            if (ib.model().modalities().contains(Modality.TEXT)) {
                int tw = ib.model().trunkConfig(Modality.TEXT).width();
                Weights th = w.pp("modality_heads").pp("text").pp("proj");
                tn = LayerNorm.load(b, th.pp("0"), tw, 1e-6f);
                tp = Linear.load(b, th.pp("1"), tw, out, false);
            }
            return new ImageBindEncoder(ib, b, w, vn, vp, tn, tp, ckpt.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            if (w != null) w.close();
            ib.close();
            throw e;
        }
    }

    static Path checkpoint(Path location) throws IOException {
        if (Files.isRegularFile(location)) return location;
        if (!Files.isDirectory(location)) throw new NoSuchFileException(location.toString(), null, "ImageBind checkpoint not found");
        for (String n : new String[] {"imagebind_huge.pth", "imagebind_huge.safetensors", "model.safetensors"}) if (Files.isRegularFile(location.resolve(n))) return location.resolve(n);
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(location, "*.{pth,pt,safetensors}")) { ds.forEach(found::add); }
        if (found.size() == 1) return found.getFirst();
        throw new NoSuchFileException(location.toString(), null, found.isEmpty() ? "the folder holds no ImageBind checkpoint (.pth or .safetensors)"
                : "the folder holds several checkpoints " + found + "; name one");
    }

    @Override public int dim() { return ib.dimension(); }

    @Override public int imageTokenCount() { return ib.model().tokenCount(Modality.VISION); }

    @Override public Tensor imageTokens(Image image) {
        try (Scope s = Scope.open()) {
            Tensor seq = ib.visionTokens(List.of(image));                                    // (1, T, W) trunk output
            Tensor x = b.toDevice(seq).select(0, 0);                                          // (T, W)
            return s.keep(b.toHost(visionProj.forward(b, visionNorm.forward(b, b.contiguous(x))))); // (T, D)
        }
    }

    @Override public Tensor audioEmbedding(Audio audio) { return vector(ib.encode(List.of(ImageBind.Input.audio(audio)), null)[0]); }

    @Override public Tensor textEmbedding(String text) { return vector(ib.encode(List.of(ImageBind.Input.text(text)), null)[0]); }

    @Override public Tensor textEmbeddingRaw(String text) {
        if (textProj == null) throw new IllegalStateException(name + " has no text tower");
        try (Scope s = Scope.open()) {
            Tensor ids = ib.tokenize(List.of(text));                                          // (1, 77)
            int[] v = ids.toIntArray();
            int eos = 0;
            for (int i = 1; i < v.length; i++) if (v[i] > v[eos]) eos = i;                    // SelectEOSAndProject: argmax id
            Tensor tok = ib.model().tokens(b, Modality.TEXT, b.toDevice(ids));                 // (1, 77, W)
            Tensor pooled = b.contiguous(tok.select(0, 0).narrow(0, eos, 1));                  // (1, W)
            return s.keep(b.toHost(textProj.forward(b, textNorm.forward(b, pooled))).view(dim()));
        }
    }

    @Override public Tensor videoEmbedding(Video video) { return vector(ib.encode(List.of(ImageBind.Input.video(video)), null)[0]); }

    @Override public String describe() { return "ImageBind (" + name + ", " + dim() + "-d)"; }

    @Override public void close() {
        heads.close();
        ib.close();
    }

    private static Tensor vector(float[] v) { return Tensor.fromFloats(v, v.length); }
}
