package dev.codi4j.loaders.media;

import com.jcraft.jogg.Packet;
import com.jcraft.jogg.Page;
import com.jcraft.jogg.StreamState;
import com.jcraft.jogg.SyncState;
import com.jcraft.jorbis.Block;
import com.jcraft.jorbis.Comment;
import com.jcraft.jorbis.DspState;
import com.jcraft.jorbis.Info;
import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;

import java.io.ByteArrayInputStream;

/**
 * MP3 (through JLayer, the decoder inside mp3spi) and Ogg Vorbis (through JOrbis) to {@link Audio}.
 *
 * <p>Gapless trimming follows ffmpeg, so lengths match what {@code torchaudio.load} /
 * {@code ffmpeg -i x.mp3 out.wav} give: for MP3 the Xing/Info frame is not audio, and the LAME
 * tag's encoder delay (+ 529 samples of decoder delay) and padding are removed; for Vorbis the
 * output is cut at the last page's granule position. MP3 without a LAME tag is returned untrimmed.
 * JLayer decodes to 16-bit, so MP3 samples carry 16-bit quantisation.
 */
final class CompressedAudio {
    private CompressedAudio() {}

    private static final int MP3_DECODER_DELAY = 529;

    static boolean looksLikeMp3(byte[] f) {
        if (f.length >= 3 && f[0] == 'I' && f[1] == 'D' && f[2] == '3') return true;
        return f.length >= 2 && (f[0] & 0xFF) == 0xFF && (f[1] & 0xE0) == 0xE0 && (f[1] & 0x06) != 0;
    }

    static boolean looksLikeOgg(byte[] f) { return f.length >= 4 && f[0] == 'O' && f[1] == 'g' && f[2] == 'g' && f[3] == 'S'; }

    static Audio mp3(byte[] f, String source, MediaLimits limits) {
        int first = skipId3(f);
        int[] gapless = lameDelayPadding(f, first);     // {delay, padding} or null
        Bitstream bs = new Bitstream(new ByteArrayInputStream(f));
        Decoder dec = new Decoder();
        int channels = 0, rate = 0;
        float[][] out = null;
        int n = 0, frames = 0;
        try {
            Header h;
            boolean skipFirst = gapless != null;
            while ((h = bs.readFrame()) != null) {
                SampleBuffer sb = (SampleBuffer) dec.decodeFrame(h, bs);
                bs.closeFrame();
                if (skipFirst) { skipFirst = false; continue; }    // the Xing/Info frame carries no audio
                int ch = sb.getChannelCount(), len = sb.getBufferLength() / Math.max(ch, 1);
                if (channels == 0) {
                    channels = ch;
                    rate = sb.getSampleFrequency();
                    out = new float[ch][Math.max(len, 1152) * 64];
                } else if (ch != channels) {
                    throw new MediaException(source, "MP3 changes from " + channels + " to " + ch + " channels mid-stream", "re-encode it");
                }
                if ((long) (n + len) * channels > limits.maxAudioSamples())
                    throw new MediaException(source, "decoded MP3 exceeds " + limits.maxAudioSamples() + " samples", "raise MediaLimits.maxAudioSamples, or split the file");
                if (n + len > out[0].length) for (int c = 0; c < ch; c++) out[c] = java.util.Arrays.copyOf(out[c], Math.max(n + len, out[c].length * 2));
                short[] buf = sb.getBuffer();
                for (int i = 0; i < len; i++) for (int c = 0; c < ch; c++) out[c][n + i] = buf[i * ch + c] / 32768f;
                n += len;
                frames++;
            }
        } catch (MediaException e) {
            throw e;
        } catch (Exception e) {
            throw new MediaException(source, "corrupt MP3 data (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", "re-encode the file (ffmpeg -i in.mp3 out.wav)", e);
        } finally {
            try { bs.close(); } catch (Exception ignored) { /* memory stream */ }
        }
        if (frames == 0 || out == null) throw new MediaException(source, "no MP3 audio frames found", "the file is empty, truncated or not MP3");
        int start = 0, end = n;
        if (gapless != null) {
            start = Math.min(n, gapless[0] + MP3_DECODER_DELAY);
            end = Math.max(start, Math.min(n, start + frames * 1152 - gapless[0] - gapless[1]));
        }
        float[][] trimmed = new float[channels][];
        for (int c = 0; c < channels; c++) trimmed[c] = java.util.Arrays.copyOfRange(out[c], start, end);
        if (end == start) throw new MediaException(source, "MP3 holds no audio samples", "the file is empty or truncated");
        return Audio.wrap(rate, trimmed);
    }

    private static int skipId3(byte[] f) {
        if (f.length >= 10 && f[0] == 'I' && f[1] == 'D' && f[2] == '3') {
            int size = ((f[6] & 0x7F) << 21) | ((f[7] & 0x7F) << 14) | ((f[8] & 0x7F) << 7) | (f[9] & 0x7F);
            return 10 + size + ((f[5] & 0x10) != 0 ? 10 : 0);
        }
        return 0;
    }

    /** Encoder delay and padding from a LAME/Xing "Info" frame at {@code p}, or null when absent. */
    static int[] lameDelayPadding(byte[] f, int p) {
        if (p < 0 || p + 4 > f.length || (f[p] & 0xFF) != 0xFF || (f[p + 1] & 0xE0) != 0xE0) return null;
        boolean mpeg1 = (f[p + 1] & 0x18) == 0x18;
        boolean mono = ((f[p + 3] >> 6) & 3) == 3;
        boolean crc = (f[p + 1] & 1) == 0;
        int x = p + 4 + (crc ? 2 : 0) + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
        if (x + 8 > f.length) return null;
        boolean tag = (f[x] == 'X' && f[x + 1] == 'i' && f[x + 2] == 'n' && f[x + 3] == 'g') || (f[x] == 'I' && f[x + 1] == 'n' && f[x + 2] == 'f' && f[x + 3] == 'o');
        if (!tag) return null;
        int flags = (int) Exif.u32be(f, x + 4);
        int q = x + 8 + ((flags & 1) != 0 ? 4 : 0) + ((flags & 2) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 100 : 0) + ((flags & 8) != 0 ? 4 : 0);
        if (q + 24 > f.length) return new int[] {0, 0};
        int d = q + 21;
        int delay = ((f[d] & 0xFF) << 4) | ((f[d + 1] & 0xFF) >> 4);
        int padding = ((f[d + 1] & 0x0F) << 8) | (f[d + 2] & 0xFF);
        return new int[] {delay, padding};
    }

    static Audio vorbis(byte[] f, String source, MediaLimits limits) {
        SyncState oy = new SyncState();
        StreamState os = new StreamState();
        Page og = new Page();
        Packet op = new Packet();
        Info vi = new Info();
        Comment vc = new Comment();
        DspState vd = new DspState();
        Block vb = new Block(vd);
        oy.init();
        int[] pos = {0};
        try {
            feed(oy, f, pos);
            if (oy.pageout(og) != 1) throw new MediaException(source, "no Ogg page found", "the file is not Ogg or is truncated");
            os.init(og.serialno());
            vi.init();
            vc.init();
            if (os.pagein(og) < 0 || os.packetout(op) != 1 || vi.synthesis_headerin(vc, op) < 0)
                throw new MediaException(source, "the Ogg stream is not Vorbis (Opus, FLAC and Speex in Ogg are not supported)", "convert it: ffmpeg -i in.ogg out.wav");
            int headers = 1;
            while (headers < 3) {
                int r = oy.pageout(og);
                if (r == 0) {
                    if (!feed(oy, f, pos)) throw new MediaException(source, "Vorbis headers are incomplete", "the file is truncated");
                    continue;
                }
                if (r < 0) continue;
                os.pagein(og);
                while (headers < 3) {
                    int k = os.packetout(op);
                    if (k == 0) break;
                    if (k < 0 || vi.synthesis_headerin(vc, op) < 0) throw new MediaException(source, "corrupt Vorbis header packet", "re-encode the file");
                    headers++;
                }
            }
            int channels = vi.channels, rate = vi.rate;
            if (channels < 1 || channels > 255 || rate < 1) throw new MediaException(source, "Vorbis header declares " + channels + " channels at " + rate + " Hz", "the file is corrupt");
            vd.synthesis_init(vi);
            vb.init(vd);
            float[][][] pcm = new float[1][][];
            int[] index = new int[channels];
            float[][] out = new float[channels][8192];
            int n = 0;
            long lastGranule = -1;
            boolean eos = false;
            while (!eos) {
                int r = oy.pageout(og);
                if (r == 0) { if (!feed(oy, f, pos)) break; continue; }
                if (r < 0) continue;      // hole in the data: libvorbisfile skips it too
                os.pagein(og);
                if (og.granulepos() >= 0) lastGranule = og.granulepos();
                while (true) {
                    int k = os.packetout(op);
                    if (k == 0) break;
                    if (k < 0) continue;
                    if (vb.synthesis(op) == 0) vd.synthesis_blockin(vb);
                    int s;
                    while ((s = vd.synthesis_pcmout(pcm, index)) > 0) {
                        if ((long) (n + s) * channels > limits.maxAudioSamples())
                            throw new MediaException(source, "decoded Vorbis exceeds " + limits.maxAudioSamples() + " samples", "raise MediaLimits.maxAudioSamples, or split the file");
                        if (n + s > out[0].length) for (int c = 0; c < channels; c++) out[c] = java.util.Arrays.copyOf(out[c], Math.max(n + s, out[c].length * 2));
                        for (int c = 0; c < channels; c++) System.arraycopy(pcm[0][c], index[c], out[c], n, s);
                        n += s;
                        vd.synthesis_read(s);
                    }
                }
                if (og.eos() != 0) eos = true;
            }
            if (lastGranule >= 0 && lastGranule < n) n = (int) lastGranule;
            if (n == 0) throw new MediaException(source, "Vorbis stream holds no audio", "the file is empty or truncated");
            float[][] trimmed = new float[channels][];
            for (int c = 0; c < channels; c++) trimmed[c] = java.util.Arrays.copyOf(out[c], n);
            return Audio.wrap(rate, trimmed);
        } catch (MediaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MediaException(source, "corrupt Ogg Vorbis data (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", "re-encode the file (ffmpeg -i in.ogg out.wav)", e);
        } finally {
            oy.clear();
        }
    }

    private static boolean feed(SyncState oy, byte[] f, int[] pos) {
        if (pos[0] >= f.length) return false;
        int n = Math.min(8192, f.length - pos[0]);
        int at = oy.buffer(n);
        System.arraycopy(f, pos[0], oy.data, at, n);
        oy.wrote(n);
        pos[0] += n;
        return true;
    }
}
