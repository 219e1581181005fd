package dev.codi4j.loaders.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * RIFF/WAVE reading and writing.
 *
 * <p>Reads integer PCM of 8 (unsigned), 16, 24 and 32 bits, IEEE float of 32 and 64 bits, as plain
 * {@code WAVE_FORMAT_PCM}/{@code WAVE_FORMAT_IEEE_FLOAT} or {@code WAVE_FORMAT_EXTENSIBLE}, any
 * channel count; unknown chunks (LIST, fact, cue, ...) are skipped, odd-sized chunks honour their
 * pad byte. A data chunk whose size runs past the end of the file (streamed writers leave
 * 0xFFFFFFFF or a stale size) is read up to the last whole frame, as libsndfile does. Samples are
 * scaled as {@code torchaudio.load(normalize=True)}.
 *
 * <p>Writes any {@link Encoding}, atomically; more than two channels or more than 16 bits use
 * {@code WAVE_FORMAT_EXTENSIBLE} as Microsoft specifies, otherwise the plain header every reader
 * (Python's {@code wave}, browsers) understands.
 */
public final class Wav {
    private Wav() {}

    /** Sample formats for writing. Float samples are clamped to [-1, 1] for the integer ones. */
    public enum Encoding {
        PCM_U8(8, false), PCM_16(16, false), PCM_24(24, false), PCM_32(32, false), FLOAT_32(32, true), FLOAT_64(64, true);
        final int bits;
        final boolean isFloat;
        Encoding(int bits, boolean isFloat) { this.bits = bits; this.isFloat = isFloat; }
    }

    static final int FORMAT_PCM = 1, FORMAT_FLOAT = 3, FORMAT_EXTENSIBLE = 0xFFFE;

    public static Audio read(Path path) { return read(path, MediaLimits.defaults()); }

    public static Audio read(Path path, MediaLimits limits) { return decode(limits.readFile(path), path.toString(), limits); }

    public static Audio decode(byte[] f, String source) { return decode(f, source, MediaLimits.defaults()); }

    public static Audio decode(byte[] f, String source, MediaLimits limits) {
        if (f.length < 12 || !tag(f, 0, "RIFF") || !tag(f, 8, "WAVE"))
            throw new MediaException(source, "not a RIFF/WAVE file (starts with " + Images.hexPrefix(f) + ")", "convert it to WAV (e.g. ffmpeg -i in out.wav) or read it with AudioFiles.read");
        int p = 12;
        int format = -1, channels = 0, rate = 0, blockAlign = 0, bits = 0;
        boolean haveFmt = false;
        while (p + 8 <= f.length) {
            long size = Exif.u32le(f, p + 4);
            int body = p + 8;
            if (tag(f, p, "fmt ")) {
                if (size < 16 || size > f.length - body) throw new MediaException(source, "fmt chunk of " + size + " bytes does not fit (need 16, " + (f.length - body) + " left)", "the file is corrupt or truncated");
                format = u16(f, body);
                channels = u16(f, body + 2);
                rate = (int) Math.min(Exif.u32le(f, body + 4), Integer.MAX_VALUE);
                blockAlign = u16(f, body + 12);
                bits = u16(f, body + 14);
                if (format == FORMAT_EXTENSIBLE) {
                    if (size < 40) throw new MediaException(source, "WAVE_FORMAT_EXTENSIBLE fmt chunk has " + size + " bytes, needs 40", "the file is corrupt");
                    format = u16(f, body + 24);   // first two bytes of the sub-format GUID are the format tag
                }
                haveFmt = true;
            } else if (tag(f, p, "data")) {
                if (!haveFmt) throw new MediaException(source, "data chunk before the fmt chunk", "the file is corrupt; re-export it");
                long avail = Math.min(size, f.length - body);
                return samples(f, body, avail, format, channels, rate, blockAlign, bits, source, limits);
            }
            if (size > (long) f.length - body) break;
            p = body + (int) size + (int) (size & 1);
        }
        throw new MediaException(source, haveFmt ? "no data chunk" : "no fmt chunk", "the file is truncated or not a complete WAV file");
    }

    private static Audio samples(byte[] f, int off, long len, int format, int channels, int rate, int blockAlign, int bits, String source, MediaLimits limits) {
        if (channels < 1) throw new MediaException(source, "fmt chunk declares " + channels + " channels", "the file is corrupt");
        if (rate < 1) throw new MediaException(source, "fmt chunk declares sample rate " + rate, "the file is corrupt");
        boolean isFloat = format == FORMAT_FLOAT;
        if (format != FORMAT_PCM && !isFloat)
            throw new MediaException(source, "WAV sample format 0x" + Integer.toHexString(format) + " is not supported (only PCM and IEEE float)", "convert it: ffmpeg -i in.wav -c:a pcm_s16le out.wav");
        boolean okBits = isFloat ? (bits == 32 || bits == 64) : (bits == 8 || bits == 16 || bits == 24 || bits == 32);
        if (!okBits) throw new MediaException(source, (isFloat ? "float" : "PCM") + " WAV with " + bits + " bits per sample is not supported", "convert it to 16-bit PCM or 32-bit float");
        int bytes = bits / 8;
        if (blockAlign != channels * bytes)
            throw new MediaException(source, "block align " + blockAlign + " does not equal channels x bytes per sample = " + channels * bytes, "the header is corrupt; re-export the file");
        long frames = len / blockAlign;
        if (frames * channels > limits.maxAudioSamples())
            throw new MediaException(source, frames + " frames x " + channels + " channels exceed the limit of " + limits.maxAudioSamples() + " samples", "raise MediaLimits.maxAudioSamples, or split the file");
        int n = (int) frames;
        float[][] out = new float[channels][n];
        ByteBuffer b = ByteBuffer.wrap(f, off, (int) Math.min(len, Integer.MAX_VALUE)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                int q = off + (i * channels + c) * bytes;
                float v;
                if (isFloat) v = bits == 32 ? b.getFloat(q) : (float) b.getDouble(q);
                else v = switch (bits) {
                    case 8 -> ((f[q] & 0xFF) - 128) / 128f;
                    case 16 -> b.getShort(q) / 32768f;
                    case 24 -> ((f[q] & 0xFF) | ((f[q + 1] & 0xFF) << 8) | (f[q + 2] << 16)) / 8388608f;
                    default -> int32ToFloat(b.getInt(q));
                };
                out[c][i] = v;
            }
        }
        return Audio.wrap(rate, out);
    }

    /**
     * torchaudio's sox_io backend converts 32-bit samples with libsox's
     * {@code SOX_SAMPLE_TO_FLOAT_32BIT}: round to a multiple of 128 (float has 24 mantissa bits),
     * saturating at the top, then scale by 2^-31. We do the same so tensors match bit for bit.
     */
    static float int32ToFloat(int x) {
        if (x > Integer.MAX_VALUE - 64) return 1f;
        return (float) (((x + 64L) & ~127L) / 2147483648.0);
    }

    /** Writes 16-bit PCM. */
    public static void write(Audio a, Path path) { write(a, path, Encoding.PCM_16); }

    /** Writes {@code a} in {@code enc}; the file appears only when complete. */
    public static void write(Audio a, Path path, Encoding enc) {
        byte[] wav = encode(a, enc);
        AtomicFiles.write(path, out -> out.write(wav));
    }

    /**
     * WAV bytes. Integer encodings round {@code x * 2^(bits-1)} half away from zero and clamp
     * (so 8/16/24-bit audio read by {@link #decode} writes back bit-identical); uint8 adds 128.
     */
    public static byte[] encode(Audio a, Encoding enc) {
        int ch = a.channelCount(), n = a.frames(), bytes = enc.bits / 8;
        boolean ext = ch > 2 || enc.bits > 16;
        int fmtSize = ext ? 40 : 16;
        long dataLen = (long) n * ch * bytes;
        long riff = 4 + 8 + fmtSize + 8 + dataLen + (dataLen & 1);
        if (riff > 0xFFFFFFFFL) throw new MediaException("WAV", "audio of " + dataLen + " bytes is too long for a RIFF file (4 GiB)", "split it or use a lower bit depth");
        ByteBuffer b = ByteBuffer.allocate((int) (riff + 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt((int) riff).put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(fmtSize);
        int tagValue = enc.isFloat ? FORMAT_FLOAT : FORMAT_PCM;
        b.putShort((short) (ext ? FORMAT_EXTENSIBLE : tagValue)).putShort((short) ch).putInt(a.sampleRate())
                .putInt(a.sampleRate() * ch * bytes).putShort((short) (ch * bytes)).putShort((short) enc.bits);
        if (ext) {
            b.putShort((short) 22).putShort((short) enc.bits).putInt(ch <= 18 ? (1 << ch) - 1 : 0);
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00AA00389B71}
            b.putShort((short) tagValue).put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        }
        b.put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt((int) dataLen);
        float[][] chans = new float[ch][];
        for (int c = 0; c < ch; c++) chans[c] = a.channelView(c);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < ch; c++) {
                float v = chans[c][i];
                switch (enc) {
                    case FLOAT_32 -> b.putFloat(v);
                    case FLOAT_64 -> b.putDouble(v);
                    case PCM_U8 -> b.put((byte) (quantize(v, 128) + 128));
                    case PCM_16 -> b.putShort((short) quantize(v, 32768));
                    case PCM_24 -> { int q = quantize(v, 8388608); b.put((byte) q).put((byte) (q >> 8)).put((byte) (q >> 16)); }
                    case PCM_32 -> b.putInt(quantize(v, 2147483648.0));
                }
            }
        }
        return b.array();
    }

    private static int quantize(float v, double full) {
        double x = v != v ? 0 : Math.round(v * full);   // NaN becomes silence
        return (int) Math.max(-full, Math.min(full - 1, x));
    }

    private static boolean tag(byte[] f, int p, String t) {
        return p + 4 <= f.length && f[p] == t.charAt(0) && f[p + 1] == t.charAt(1) && f[p + 2] == t.charAt(2) && f[p + 3] == t.charAt(3);
    }

    private static int u16(byte[] f, int p) { return (f[p] & 0xFF) | ((f[p + 1] & 0xFF) << 8); }
}
