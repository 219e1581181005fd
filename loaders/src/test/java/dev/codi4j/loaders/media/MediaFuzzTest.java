package dev.codi4j.loaders.media;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Property-style robustness tests: thousands of mutated, truncated, spliced and size-inflated
 * inputs derived (seeded, reproducibly) from the valid fixtures, fed to every decoder we own. The
 * contract: a decoder returns a result or throws {@link MediaException} — never another exception,
 * never an {@link Error} (OutOfMemoryError included), never more than 2 s on one input, and the
 * whole run of one decoder is time-boxed. Mutated inputs run under tighter {@link MediaLimits}
 * (4 MP, 2M samples, 300 frames, 20 MP per video) so that a mutation that merely enlarges a header is refused
 * quickly; the hand-made bombs below run under the defaults.
 */
class MediaFuzzTest {
    static final long SEED = 20261125L;
    static final MediaLimits TIGHT = MediaLimits.defaults().withMaxPixels(4_000_000).withMaxAudioSamples(2_000_000).withMaxVideoFrames(300).withMaxVideoPixels(20_000_000);
    static final Map<String, String> REPORT = new TreeMap<>();

    @AfterAll
    static void report() { System.out.println("fuzz inputs per decoder: " + REPORT); }

    @Test
    void png() { fuzz("PNG", 2500, d -> Images.decode(d, "fuzz.png", TIGHT), "images/chelsea_exif6.png", "images/palette_trns.png", "images/rgb16.png", "images/la.png", "images/text_chunks.png"); }

    @Test
    void jpeg() { fuzz("JPEG", 2500, d -> Images.decode(d, "fuzz.jpg", TIGHT), "images/chelsea_exif6.jpg", "images/chelsea_progressive.jpg", "images/chelsea_cmyk.jpg", "images/chelsea_grey.jpg"); }

    @Test
    void bmp() { fuzz("BMP", 2000, d -> Images.decode(d, "fuzz.bmp", TIGHT), "images/chelsea.bmp", "images/chelsea_p8.bmp"); }

    @Test
    void gif() { fuzz("GIF", 2000, d -> Images.decode(d, "fuzz.gif", TIGHT), "images/chelsea.gif"); }

    @Test
    void webp() { fuzz("WebP", 2000, d -> Images.decode(d, "fuzz.webp", TIGHT), "images/chelsea_lossless.webp", "images/chelsea_lossy.webp", "images/rgba_alpha.webp"); }

    @Test
    void wav() { fuzz("WAV", 4000, d -> Wav.decode(d, "fuzz.wav", TIGHT), "audio/u8.wav", "audio/s24_3ch_ext.wav", "audio/f64.wav", "audio/s16_odd_list.wav"); }

    @Test
    void mp3AndVorbis() { fuzz("MP3/Vorbis", 1200, d -> AudioFiles.decode(d, "fuzz.audio", TIGHT), "audio/front_center.mp3", "audio/front_center.ogg"); }

    @Test
    void mp4() { fuzz("MP4", 1200, d -> Mp4.decode(d, "fuzz.mp4", TIGHT), "video/testsrc_32x32_baseline.mp4", "video/testsrc_32x32_main.mp4", "video/testsrc_32x32_high.mp4", "video/chelsea_pan_48x32.mp4"); }

    /** Hand-made decompression bombs and lying sizes, with the default limits. */
    @Test
    void bombsAreRefusedBeforeDecoding() {
        // PNG: IHDR claiming 100000 x 100000 with a valid CRC
        byte[] png = Fixtures.bytes("images/la.png").clone();
        ByteBuffer.wrap(png, 16, 8).putInt(100_000).putInt(100_000);
        fixCrc(png, 8);
        assertRefused(() -> Images.decode(png, "bomb.png"), "over the limit");
        // JPEG: SOF0 claiming 65000 x 65000
        byte[] jpg = Fixtures.bytes("images/chelsea_baseline.jpg").clone();
        int sof = find(jpg, new byte[] {(byte) 0xFF, (byte) 0xC0});
        ByteBuffer.wrap(jpg, sof + 5, 4).putShort((short) 65000).putShort((short) 65000);
        assertRefused(() -> Images.decode(jpg, "bomb.jpg"), "over the limit");
        // BMP: 60000 x 60000
        byte[] bmp = Fixtures.bytes("images/chelsea.bmp").clone();
        ByteBuffer.wrap(bmp, 18, 8).order(ByteOrder.LITTLE_ENDIAN).putInt(60_000).putInt(60_000);
        assertRefused(() -> Images.decode(bmp, "bomb.bmp"), "over the limit");
        // GIF: logical screen and image 65535 x 65535
        byte[] gif = Fixtures.bytes("images/chelsea.gif").clone();
        ByteBuffer.wrap(gif, 6, 4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -1).putShort((short) -1);
        int desc = find(gif, new byte[] {0x2C});
        ByteBuffer.wrap(gif, desc + 5, 4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -1).putShort((short) -1);
        assertRefused(() -> Images.decode(gif, "bomb.gif"), "");
        // WebP lossless: VP8L header width/height are 14-bit: 16384 x 16384 = 268 MP
        byte[] webp = Fixtures.bytes("images/chelsea_lossless.webp").clone();
        int vp8l = find(webp, "VP8L".getBytes());
        int bits = 0x3FFF | (0x3FFF << 14);
        ByteBuffer.wrap(webp, vp8l + 9, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((ByteBuffer.wrap(webp, vp8l + 9, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xF0000000) | bits);
        assertRefused(() -> Images.decode(webp, "bomb.webp"), "over the limit");
        // PNG chunk whose length field lies
        byte[] lie = Fixtures.bytes("images/la.png").clone();
        ByteBuffer.wrap(lie, 33, 4).putInt(0x7FFFFFF0);
        assertRefused(() -> Images.decode(lie, "lie.png"), "claims");
        // WAV: data chunk claiming 4 GiB is read up to the real end, a fmt claiming 4 GiB is refused
        byte[] wav = Fixtures.bytes("audio/f32.wav").clone();
        int data = find(wav, "data".getBytes());
        ByteBuffer.wrap(wav, data + 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1);
        assertEquals(800, Wav.decode(wav, "streamed.wav").frames());
        byte[] wav2 = Fixtures.bytes("audio/f32.wav").clone();
        ByteBuffer.wrap(wav2, 16, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1);
        assertRefused(() -> Wav.decode(wav2, "lie.wav"), "does not fit");
        // WAV over the sample limit
        assertRefused(() -> Wav.decode(Fixtures.bytes("audio/f32.wav"), "big.wav", MediaLimits.defaults().withMaxAudioSamples(100)), "exceed");
        // MP4: a sample-size table claiming 2^30 entries
        byte[] mp4 = Fixtures.bytes("video/testsrc_32x32_baseline.mp4").clone();
        int stsz = find(mp4, "stsz".getBytes());
        ByteBuffer.wrap(mp4, stsz + 12, 4).putInt(1 << 30);
        assertRefused(() -> Mp4.decode(mp4, "bomb.mp4", MediaLimits.defaults()), "stsz");
        // files over the byte limit are not read at all
        assertRefused(() -> Images.read(Fixtures.path("images/astronaut_240x200.png"), MediaLimits.defaults().withMaxFileBytes(1000)), "over the limit");
        // empty and foreign input
        assertRefused(() -> Images.decode(new byte[0], "empty.png"), "empty");
        assertRefused(() -> Mp4.decode(new byte[] {1, 2, 3}, "x.mp4", MediaLimits.defaults()), "not an MP4");
        assertRefused(() -> AudioFiles.decode("hello world, not audio".getBytes(), "x.txt", MediaLimits.defaults()), "not a WAV");
    }

    private static void assertRefused(Runnable r, String messagePart) {
        MediaException e = assertThrows(MediaException.class, r::run);
        assertTrue(e.getMessage().contains(messagePart), "message should mention '" + messagePart + "': " + e.getMessage());
    }

    private static int find(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new IllegalStateException("marker not found in fixture");
    }

    private static void fixCrc(byte[] png, int chunkStart) {
        int len = ByteBuffer.wrap(png, chunkStart, 4).getInt();
        CRC32 crc = new CRC32();
        crc.update(png, chunkStart + 4, 4 + len);
        ByteBuffer.wrap(png, chunkStart + 8 + len, 4).putInt((int) crc.getValue());
    }

    // ---- the mutation engine ------------------------------------------------------------------

    private static void fuzz(String decoder, int count, Function<byte[], Object> decode, String... seedFiles) {
        List<byte[]> seeds = new ArrayList<>();
        for (String s : seedFiles) seeds.add(Fixtures.bytes(s));
        for (byte[] s : seeds) decode.apply(s);      // the seeds themselves must decode
        int[] outcome = new int[2];                   // decoded, refused with MediaException
        long[] slowest = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Random rnd = new Random(SEED ^ decoder.hashCode());
            for (int i = 0; i < count; i++) {
                byte[] in = mutate(seeds, rnd);
                long t0 = System.nanoTime();
                try {
                    decode.apply(in);
                    outcome[0]++;
                } catch (MediaException e) {
                    outcome[1]++;
                    assertNotNull(e.getMessage());
                } catch (Throwable t) {
                    fail(decoder + " input #" + i + " (seed " + SEED + ", " + in.length + " bytes) threw " + t + " instead of MediaException", t);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                slowest[0] = Math.max(slowest[0], ms);
                assertTrue(ms < 2000, decoder + " input #" + i + " took " + ms + " ms");
            }
        });
        REPORT.put(decoder, count + " inputs (" + outcome[0] + " decoded, " + outcome[1] + " MediaException, slowest " + slowest[0] + " ms)");
    }

    static byte[] mutate(List<byte[]> seeds, Random rnd) {
        byte[] s = seeds.get(rnd.nextInt(seeds.size()));
        byte[] d = s.clone();
        int kind = rnd.nextInt(8);
        switch (kind) {
            case 0 -> { // a few random bytes anywhere
                int n = 1 + rnd.nextInt(8);
                for (int k = 0; k < n; k++) d[rnd.nextInt(d.length)] = (byte) rnd.nextInt(256);
            }
            case 1 -> { // header region: where sizes and counts live
                int n = 1 + rnd.nextInt(4);
                int span = Math.min(d.length, 256);
                for (int k = 0; k < n; k++) d[rnd.nextInt(span)] = (byte) rnd.nextInt(256);
            }
            case 2 -> d = java.util.Arrays.copyOf(d, rnd.nextInt(d.length));          // truncation
            case 3 -> { // an extreme 32-bit value (lying length / count / size) at a random aligned spot
                int at = rnd.nextInt(Math.max(1, d.length - 4));
                int[] extremes = {-1, 0x7FFFFFFF, 0x80000000, 0x40000000, 0, 0x10000, 0xFFFF};
                ByteBuffer.wrap(d, at, 4).order(rnd.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN).putInt(extremes[rnd.nextInt(extremes.length)]);
            }
            case 4 -> { // delete a block
                int a = rnd.nextInt(d.length), len = rnd.nextInt(Math.min(64, d.length - a) + 1);
                byte[] out = new byte[d.length - len];
                System.arraycopy(d, 0, out, 0, a);
                System.arraycopy(d, a + len, out, a, d.length - a - len);
                d = out;
            }
            case 5 -> { // duplicate a block (repeated chunks / boxes)
                int a = rnd.nextInt(d.length), len = 1 + rnd.nextInt(Math.min(512, d.length - a));
                byte[] out = new byte[d.length + len];
                System.arraycopy(d, 0, out, 0, a + len);
                System.arraycopy(d, a, out, a + len, d.length - a);
                d = out;
            }
            case 6 -> { // splice two seeds
                byte[] o = seeds.get(rnd.nextInt(seeds.size()));
                int a = rnd.nextInt(d.length), b = rnd.nextInt(o.length);
                byte[] out = new byte[a + (o.length - b)];
                System.arraycopy(d, 0, out, 0, a);
                System.arraycopy(o, b, out, a, o.length - b);
                d = out;
            }
            default -> { // burst of random bytes
                int a = rnd.nextInt(d.length), len = 1 + rnd.nextInt(Math.min(32, d.length - a));
                for (int k = 0; k < len; k++) d[a + k] = (byte) rnd.nextInt(256);
            }
        }
        return d;
    }
}
