package dev.codi4j.models.diffusion.vae;

import dev.codi4j.loaders.config.AutoencoderKLConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.diffusion.unet.ResnetBlock2D;
import dev.codi4j.models.diffusion.unet.Resampling;
import dev.codi4j.models.nn.Conv;
import dev.codi4j.models.nn.GroupNorm;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;

/**
 * diffusers' {@code AutoencoderKL} (the Stable Diffusion VAE): an encoder to a diagonal Gaussian over
 * latents (8× smaller per side) and a decoder back to pixels in [−1, 1]. Includes diffusers'
 * {@code tiled_decode}/{@code tiled_encode}: overlapping tiles blended linearly, so memory stays
 * bounded for large images (the result differs slightly from the untiled one, as upstream).
 */
public final class AutoencoderKL {
    private final AutoencoderKLConfig cfg;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv quantConv, postQuantConv;
    private int tileSampleSize;
    private double tileOverlap = 0.25;

    public AutoencoderKL(Backend backend, Weights w, AutoencoderKLConfig cfg, DType weightDType) {
        for (String t : cfg.down_block_types()) if (!t.equals("DownEncoderBlock2D")) throw new IllegalArgumentException("VAE down block '" + t + "' is not supported; codi4j implements DownEncoderBlock2D");
        for (String t : cfg.up_block_types()) if (!t.equals("UpDecoderBlock2D")) throw new IllegalArgumentException("VAE up block '" + t + "' is not supported; codi4j implements UpDecoderBlock2D");
        if (cfg.up_block_types().size() != cfg.block_out_channels().length) throw new IllegalArgumentException("VAE has " + cfg.up_block_types().size() + " up blocks but " + cfg.block_out_channels().length + " block_out_channels");
        if (!cfg.act_fn().equals("silu") && !cfg.act_fn().equals("swish")) throw new IllegalArgumentException("VAE act_fn '" + cfg.act_fn() + "' is not supported; codi4j implements silu");
        for (int c : cfg.block_out_channels()) if (c % cfg.norm_num_groups() != 0) throw new IllegalArgumentException("VAE block_out_channels " + java.util.Arrays.toString(cfg.block_out_channels()) + " are not divisible by norm_num_groups " + cfg.norm_num_groups());
        if (cfg.shift_factor() != null && cfg.shift_factor() != 0) throw new IllegalArgumentException("VAE shift_factor (SD3/Flux latents) is not implemented");
        this.cfg = cfg;
        Layers l = new Layers(backend, weightDType);
        int lat = cfg.latent_channels();
        encoder = new Encoder(l, w.pp("encoder"), cfg);
        decoder = new Decoder(l, w.pp("decoder"), cfg);
        quantConv = cfg.use_quant_conv() ? l.conv(w.pp("quant_conv"), 2 * lat, 2 * lat, 1, 1, 0) : null;
        postQuantConv = cfg.use_post_quant_conv() ? l.conv(w.pp("post_quant_conv"), lat, lat, 1, 1, 0) : null;
        tileSampleSize = cfg.sample_size();
    }

    public AutoencoderKLConfig config() { return cfg; }

    /** Pixels per latent along each side. */
    public int scaleFactor() { return cfg.downsampleFactor(); }

    /**
     * Tile size in pixels for {@link #tiledDecode}/{@link #tiledEncode} (diffusers uses the config's
     * {@code sample_size}) and the overlap fraction (0.25).
     */
    public AutoencoderKL tiling(int tileSamplePixels, double overlap) {
        if (tileSamplePixels < scaleFactor() || tileSamplePixels % scaleFactor() != 0) throw new IllegalArgumentException("tile size " + tileSamplePixels + " must be a positive multiple of " + scaleFactor());
        if (overlap < 0 || overlap >= 1) throw new IllegalArgumentException("tile overlap must be in [0, 1), got " + overlap);
        this.tileSampleSize = tileSamplePixels;
        this.tileOverlap = overlap;
        return this;
    }

    /** Pixels (B, 3, H, W) in [−1, 1] → the latent distribution (B, latent, H/8, W/8), unscaled. */
    public LatentDistribution encode(Backend b, Tensor pixels) {
        try (Scope s = Scope.open()) {
            Tensor h = encoder.forward(b, pixels);
            Tensor m = quantConv == null ? h : quantConv.forward(b, h);
            LatentDistribution d = LatentDistribution.of(b, m);
            s.keepAll(d.mean(), d.logvar());
            return d;
        }
    }

    /** Latents (B, latent, h, w), already divided by {@code scaling_factor}, → pixels (B, 3, 8h, 8w) in about [−1, 1]. */
    public Tensor decode(Backend b, Tensor z) {
        try (Scope s = Scope.open()) {
            Tensor h = postQuantConv == null ? z : postQuantConv.forward(b, z);
            return s.keep(decoder.forward(b, h));
        }
    }

    /** diffusers' {@code _decode} with tiling enabled: tiles only when the latent exceeds a tile. */
    public Tensor decodeMaybeTiled(Backend b, Tensor z) {
        int tileLatent = tileSampleSize / scaleFactor();
        return z.dim(2) > tileLatent || z.dim(3) > tileLatent ? tiledDecode(b, z) : decode(b, z);
    }

    /** diffusers' {@code tiled_decode}: decode overlapping latent tiles, blend the seams, crop. */
    public Tensor tiledDecode(Backend b, Tensor z) {
        int tileLatent = tileSampleSize / scaleFactor();
        int overlap = (int) (tileLatent * (1 - tileOverlap));
        int blend = (int) (tileSampleSize * tileOverlap);
        int limit = tileSampleSize - blend;
        return tiled(b, z, tileLatent, overlap, blend, limit, true);
    }

    /** diffusers' {@code tiled_encode}: the encoder moments of overlapping pixel tiles, blended. */
    public LatentDistribution tiledEncode(Backend b, Tensor pixels) {
        int tileLatent = tileSampleSize / scaleFactor();
        int overlap = (int) (tileSampleSize * (1 - tileOverlap));
        int blend = (int) (tileLatent * tileOverlap);
        int limit = tileLatent - blend;
        try (Scope s = Scope.open()) {
            Tensor moments = tiled(b, pixels, tileSampleSize, overlap, blend, limit, false);
            LatentDistribution d = LatentDistribution.of(b, moments);
            s.keepAll(d.mean(), d.logvar());
            return d;
        }
    }

    private Tensor tiled(Backend b, Tensor x, int tileIn, int stride, int blend, int limit, boolean decoding) {
        int H = x.dim(2), W = x.dim(3);
        int rowsN = (H + stride - 1) / stride, colsN = (W + stride - 1) / stride;
        try (Scope s = Scope.open()) {
            Tensor[][] tiles = new Tensor[rowsN][colsN];
            for (int i = 0; i < rowsN; i++) {
                for (int j = 0; j < colsN; j++) {
                    int y0 = i * stride, x0 = j * stride;
                    Tensor tile = b.contiguous(x.narrow(2, y0, Math.min(tileIn, H - y0)).narrow(3, x0, Math.min(tileIn, W - x0)));
                    Tensor t;
                    if (decoding) {
                        t = decode(b, tile);
                    } else {
                        Tensor h = encoder.forward(b, tile);
                        t = quantConv == null ? h : quantConv.forward(b, h);
                    }
                    tiles[i][j] = t;
                }
            }
            // blend in place in the order diffusers does: each tile with its (already blended) upper and left neighbours
            Tensor[] rowParts = new Tensor[rowsN];
            for (int i = 0; i < rowsN; i++) {
                Tensor[] parts = new Tensor[colsN];
                for (int j = 0; j < colsN; j++) {
                    Tensor t = tiles[i][j];
                    if (i > 0) blendV(b, tiles[i - 1][j], t, blend);
                    if (j > 0) blendH(b, tiles[i][j - 1], t, blend);
                    parts[j] = t.narrow(2, 0, Math.min(limit, t.dim(2))).narrow(3, 0, Math.min(limit, t.dim(3)));
                }
                rowParts[i] = b.concat(3, parts);
            }
            return s.keep(b.concat(2, rowParts));
        }
    }

    /** b[:, :, y] = a[:, :, y − extent] · (1 − y/extent) + b[:, :, y] · (y/extent) for the first rows of b. */
    static void blendV(Backend be, Tensor a, Tensor t, int extent) {
        extent = Math.min(Math.min(a.dim(2), t.dim(2)), extent);
        for (int y = 0; y < extent; y++) {
            float wb = (float) y / extent;
            Tensor ra = a.narrow(2, a.dim(2) - extent + y, 1), rb = t.narrow(2, y, 1);
            mix(be, ra, rb, wb);
        }
    }

    static void blendH(Backend be, Tensor a, Tensor t, int extent) {
        extent = Math.min(Math.min(a.dim(3), t.dim(3)), extent);
        for (int x = 0; x < extent; x++) {
            float wb = (float) x / extent;
            Tensor ca = a.narrow(3, a.dim(3) - extent + x, 1), cb = t.narrow(3, x, 1);
            mix(be, ca, cb, wb);
        }
    }

    /** dst ← src·(1 − w) + dst·w, in the float operation order of diffusers' blend. */
    private static void mix(Backend be, Tensor src, Tensor dst, float w) {
        try (Scope s = Scope.open()) {
            Tensor p = be.scale(src, (float) (1 - (double) w));
            Tensor q = be.scale(dst, w);
            be.binary(dev.codi4j.tensor.BinaryOp.ADD, p, q, dst);
        }
    }

    /** DownEncoderBlock2D × n, UNetMidBlock2D (resnet, attention, resnet), GroupNorm, SiLU, conv_out to 2·latent. */
    static final class Encoder {
        final Conv convIn, convOut;
        final ResnetBlock2D[][] resnets;
        final Resampling.Downsample2D[] downs;
        final Mid mid;
        final GroupNorm normOut;

        Encoder(Layers l, Weights w, AutoencoderKLConfig c) {
            int[] boc = c.block_out_channels();
            int n = boc.length, g = c.norm_num_groups();
            convIn = l.conv(w.pp("conv_in"), c.in_channels(), boc[0], 3, 1, 1);
            resnets = new ResnetBlock2D[n][];
            downs = new Resampling.Downsample2D[n];
            int out = boc[0];
            for (int i = 0; i < n; i++) {
                int in = out;
                out = boc[i];
                Weights bw = w.pp("down_blocks").pp(i);
                resnets[i] = new ResnetBlock2D[c.layers_per_block()];
                for (int k = 0; k < c.layers_per_block(); k++) resnets[i][k] = new ResnetBlock2D(l, bw.pp("resnets").pp(k), k == 0 ? in : out, out, 0, g, 1e-6, 1);
                downs[i] = i < n - 1 ? Resampling.Downsample2D.load(l, bw.pp("downsamplers").pp(0), out, 0) : null;
            }
            mid = new Mid(l, w.pp("mid_block"), boc[n - 1], g, c.mid_block_add_attention());
            normOut = l.groupNorm(w.pp("conv_norm_out"), g, boc[n - 1], 1e-6);
            convOut = l.conv(w.pp("conv_out"), boc[n - 1], 2 * c.latent_channels(), 3, 1, 1);
        }

        Tensor forward(Backend b, Tensor x) {
            try (Scope s = Scope.open()) {
                Tensor h = convIn.forward(b, x);
                for (int i = 0; i < resnets.length; i++) {
                    for (ResnetBlock2D r : resnets[i]) h = swap(h, r.forward(b, h, null));
                    if (downs[i] != null) h = swap(h, downs[i].forward(b, h));
                }
                h = swap(h, mid.forward(b, h));
                Tensor n = Layers.siluInPlace(b, normOut.forward(b, h));
                return s.keep(convOut.forward(b, n));
            }
        }
    }

    /** conv_in, UNetMidBlock2D, UpDecoderBlock2D × n (layers+1 resnets, then ×2 upsampling), GroupNorm, SiLU, conv_out. */
    static final class Decoder {
        final Conv convIn, convOut;
        final Mid mid;
        final ResnetBlock2D[][] resnets;
        final Resampling.Upsample2D[] ups;
        final GroupNorm normOut;

        Decoder(Layers l, Weights w, AutoencoderKLConfig c) {
            int[] boc = c.block_out_channels();
            int n = boc.length, g = c.norm_num_groups();
            convIn = l.conv(w.pp("conv_in"), c.latent_channels(), boc[n - 1], 3, 1, 1);
            mid = new Mid(l, w.pp("mid_block"), boc[n - 1], g, c.mid_block_add_attention());
            resnets = new ResnetBlock2D[n][];
            ups = new Resampling.Upsample2D[n];
            int out = boc[n - 1];
            for (int i = 0; i < n; i++) {
                int prev = out;
                out = boc[n - 1 - i];
                Weights bw = w.pp("up_blocks").pp(i);
                resnets[i] = new ResnetBlock2D[c.layers_per_block() + 1];
                for (int k = 0; k < resnets[i].length; k++) resnets[i][k] = new ResnetBlock2D(l, bw.pp("resnets").pp(k), k == 0 ? prev : out, out, 0, g, 1e-6, 1);
                ups[i] = i < n - 1 ? Resampling.Upsample2D.load(l, bw.pp("upsamplers").pp(0), out) : null;
            }
            normOut = l.groupNorm(w.pp("conv_norm_out"), g, boc[0], 1e-6);
            convOut = l.conv(w.pp("conv_out"), boc[0], c.out_channels(), 3, 1, 1);
        }

        Tensor forward(Backend b, Tensor z) {
            try (Scope s = Scope.open()) {
                Tensor h = convIn.forward(b, z);
                h = swap(h, mid.forward(b, h));
                for (int i = 0; i < resnets.length; i++) {
                    for (ResnetBlock2D r : resnets[i]) h = swap(h, r.forward(b, h, null));
                    if (ups[i] != null) h = swap(h, ups[i].forward(b, h, -1, -1));
                }
                Tensor n = Layers.siluInPlace(b, normOut.forward(b, h));
                h.close();
                return s.keep(convOut.forward(b, n));
            }
        }
    }

    /** UNetMidBlock2D without time embedding: resnet, (attention), resnet. */
    static final class Mid {
        final ResnetBlock2D r0, r1;
        final SpatialSelfAttention attn;

        Mid(Layers l, Weights w, int ch, int groups, boolean attention) {
            r0 = new ResnetBlock2D(l, w.pp("resnets").pp(0), ch, ch, 0, groups, 1e-6, 1);
            attn = attention ? new SpatialSelfAttention(l, w.pp("attentions").pp(0), ch, groups, 1e-6) : null;
            r1 = new ResnetBlock2D(l, w.pp("resnets").pp(1), ch, ch, 0, groups, 1e-6, 1);
        }

        Tensor forward(Backend b, Tensor x) {
            Tensor h = r0.forward(b, x, null);
            if (attn != null) h = swap(h, attn.forward(b, h));
            return swap(h, r1.forward(b, h, null));
        }
    }

    /** Frees the previous activation once its successor exists (keeps peak memory at two activations). */
    private static Tensor swap(Tensor old, Tensor next) {
        if (old != next) old.close();
        return next;
    }
}
