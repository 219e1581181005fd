package dev.codi4j.models.imagebind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.AudioFiles;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.testing.Parity;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * ImageBind's audio pipeline on real Debian recordings (alsa-utils, sound-icons) against the official
 * load_and_transform_audio_data (torchaudio 0.13's resampler and kaldi.fbank), see
 * tools/fixtures/imagebind_media_reference.py. Tolerance on the normalised log-mel values: max-abs
 * 2e-4 (F32 expectations; ≈ 2e-3 in log-mel units) and 1.5e-3 for the F16-stored xylofon clips.
 */
class AudioPreprocessorTest {
    static final Path DIR = Parity.resource("fixtures/imagebind");
    final AudioPreprocessor pre = AudioPreprocessor.imageBind();

    @Test void shortRecordingPaddedToThreeIdenticalWindows() throws Exception { compare("percussion", "expected_media.safetensors", 2e-4); }

    @Test void recordingAt48kIsResampled() throws Exception { compare("front48k", "expected_media.safetensors", 2e-4); }

    @Test void overlappingClipsSeeEachOthersInPlaceMeanRemoval() throws Exception { compare("xylofon", "expected_xylofon_mel.safetensors", 1.5e-3); }

    void compare(String name, String file, double tol) throws Exception {
        Tensor got = pre.apply(AudioFiles.read(DIR.resolve(name + ".wav")), name);         // (3, 1, 128, 204)
        assertArrayEquals(new int[] {3, 1, 128, 204}, got.shape());
        int frames;
        Tensor want;
        try (Weights e = Weights.open(DIR.resolve("expected_media.safetensors")); Weights m = Weights.open(DIR.resolve(file))) {
            frames = e.get("audio." + name + ".frames").toIntArray()[0];
            want = m.get("audio." + name + ".mel", DType.F32);
            want = Tensor.fromFloats(want.toFloatArray(), want.shape());
        }
        Tensor part = got.select(1, 0).narrow(2, 0, frames);
        float[] g = part.toFloatArray(), w = want.toFloatArray();
        double worst = 0;
        for (int i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]));
        System.out.printf("parity mel %-12s frames %d  max-abs %.3g%n", name, frames, worst);
        assertTrue(worst <= tol, name + ": max-abs " + worst + " > " + tol);
        float pad = (0f + 4.268f) / 9.138f;
        for (int k = 0; k < 3; k++) for (int b = 0; b < 128; b++) for (int t = frames; t < 204; t++) assertEquals(pad, got.getFloat(k, 0, b, t), 0f);
    }

    @Test void overlappingClipsSeeEachOthersInPlaceMeanRemovalWithADcOffset() throws Exception {
        Audio a = AudioFiles.read(DIR.resolve("xylofon.wav"));
        float[] x = a.channel(0);
        for (int i = 0; i < 20000; i++) x[i] += 0.25f;
        Tensor got = pre.apply(Audio.of(a.sampleRate(), x), "xylofon+dc").select(1, 0).narrow(2, 170, 28);
        try (Weights e = Weights.open(DIR.resolve("expected_media.safetensors"))) {
            Parity.assertClose("mel xylofon+dc", e.get("audio.xylofon_dc.mel", DType.F32), Tensor.fromFloats(got.toFloatArray(), got.shape()), 1e-4);
        }
    }

    @Test void clipWindowsAreExactRationals() {
        // xylofon, 37141 samples: 37141/16000 − 2 in double is just below 0.3213125, so the third start is 5140,
        // not round(5140.5): [int(Fraction(max(37141/16000 - 2, 0)) / 2 * k * 16000) for k in range(3)] == [0, 2570, 5140]
        assertArrayEquals(new int[] {0, 2570, 5140}, AudioPreprocessor.clipStarts(37141, 16000, 2, 3));
        assertArrayEquals(new int[] {0, 0, 0}, AudioPreprocessor.clipStarts(4000, 16000, 2, 3));
    }

    @Test void tooShortAudioIsATypedErrorNamingTheSource() {
        var e = assertThrows(IllegalArgumentException.class, () -> pre.apply(Audio.of(16000, new float[100]), "tiny.wav"));
        assertTrue(e.getMessage().contains("tiny.wav") && e.getMessage().contains("400 samples"), e.getMessage());
    }
}
