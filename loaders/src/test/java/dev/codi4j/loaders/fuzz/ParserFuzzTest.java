package dev.codi4j.loaders.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.MappedFile;
import dev.codi4j.loaders.gguf.GgufFile;
import dev.codi4j.loaders.gguf.GgufValue;
import dev.codi4j.loaders.pytorch.RestrictedUnpickler;
import dev.codi4j.loaders.pytorch.TorchCheckpoint;
import dev.codi4j.loaders.pytorch.ZipArchive;
import dev.codi4j.loaders.safetensors.SafetensorsFile;
import dev.codi4j.loaders.weights.TensorSource;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing of every parser in the default suite. The contract: for any input, a
 * parser either succeeds (and then every tensor it lists reads without leaving its bytes) or throws
 * {@link FormatException} naming the input — never another exception, an out-of-bounds access or an
 * OutOfMemoryError. Failures print the seed and iteration so they can be replayed. Counts go to
 * stdout and to target/fuzz-counts.txt. Raise {@code -Dcodi4j.fuzz.scale=N} for longer runs.
 */
class ParserFuzzTest {
    static final int SCALE = Integer.getInteger("codi4j.fuzz.scale", 1);
    static final long SEED = Long.getLong("codi4j.fuzz.seed", 20261125L);
    static final StringBuilder REPORT = new StringBuilder();

    interface Parser { TensorSource parse(MappedFile f) throws IOException; }

    static byte[] resource(String name) throws Exception {
        return Files.readAllBytes(Path.of(ParserFuzzTest.class.getResource(name).toURI()));
    }

    /** Runs {@code n} mutations of each seed through {@code parser}; returns {accepted, rejected}. */
    static long[] fuzz(String label, List<byte[]> seeds, int n, Parser parser) {
        Random r = new Random(SEED ^ label.hashCode());
        long accepted = 0, rejected = 0, tensorsRead = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            byte[] input = Mutator.mutate(seeds.get(i % seeds.size()), r);
            Path name = Path.of("fuzz-" + label + "-" + i);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(Math.max(1, input.length)).asSlice(0, input.length);
                seg.copyFrom(MemorySegment.ofArray(input));
                try (TensorSource s = parser.parse(MappedFile.wrap(name, seg))) {
                    accepted++;
                    for (String t : s.names()) {
                        try {
                            Tensor x = s.tensor(t);
                            if (x.numel() <= 1 << 16) x.toFloatArray();
                            tensorsRead++;
                        } catch (WeightsException e) {
                            assertTrue(e.getMessage().contains(t), e.getMessage()); // e.g. a dtype codi4j cannot hold
                        }
                    }
                } catch (FormatException e) {
                    rejected++;
                    assertTrue(e.getMessage().contains(name.toString()), "message must name the input: " + e.getMessage());
                }
            } catch (Throwable e) {
                fail(label + " input #" + i + " (seed " + SEED + ", " + input.length + " bytes) broke the contract with " + e, e);
            }
        }
        String line = String.format("FUZZ %-12s %6d inputs: %6d accepted, %6d rejected with FormatException, %6d tensors read, %5d ms",
                label, n, accepted, rejected, tensorsRead, (System.nanoTime() - t0) / 1_000_000);
        System.out.println(line);
        synchronized (REPORT) { REPORT.append(line).append('\n'); }
        assertEquals(n, accepted + rejected);
        assertTrue(rejected > 0 && accepted > 0, "the mutations should produce both valid and invalid inputs");
        return new long[] {accepted, rejected};
    }

    @Test void safetensorsHeaderAndOffsets() throws Exception {
        byte[] a = resource("/safetensors/reference.safetensors");
        Path tmp = Files.createTempFile("seed", ".safetensors");
        try {
            dev.codi4j.loaders.safetensors.Safetensors.save(tmp, java.util.Map.of("w", Tensor.fromFloats(new float[] {1, 2, 3, 4}, 2, 2),
                    "b", Tensor.fromInts(new int[] {5}, 1)), java.util.Map.of("format", "pt"));
            fuzz("safetensors", List.of(a, Files.readAllBytes(tmp)), 6000 * SCALE, SafetensorsFile::read);
        } finally {
            Files.delete(tmp);
        }
    }

    @Test void ggufMetadataAndTensorInfos() throws Exception {
        fuzz("gguf", List.of(resource("/gguf/reference.gguf"), resource("/gguf/kquants.gguf")), 6000 * SCALE, f -> {
            GgufFile g = GgufFile.read(f);
            for (GgufValue v : g.kv().values()) v.toString(); // typed values must be usable
            return g;
        });
    }

    @Test void pytorchZipStructure() throws Exception {
        fuzz("pytorch-zip", List.of(resource("/pytorch/dtypes.pth"), resource("/pytorch/delta.pth"), resource("/pytorch/deflated.pth")),
                3000 * SCALE, TorchCheckpoint::read);
    }

    /** The pickle alone (mutating the zip would mostly break the zip first). */
    @Test void pickleOpcodes() throws Exception {
        List<byte[]> seeds = new java.util.ArrayList<>();
        for (String pth : List.of("dtypes.pth", "delta.pth", "imagebind_like.pth")) {
            try (MappedFile f = MappedFile.open(Path.of(ParserFuzzTest.class.getResource("/pytorch/" + pth).toURI()))) {
                ZipArchive z = ZipArchive.read(f);
                for (var e : z.entries().values()) if (e.name().endsWith("data.pkl")) seeds.add(z.mapped(e).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
        Random r = new Random(SEED);
        int n = 8000 * SCALE;
        long accepted = 0, rejected = 0, t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            byte[] input = Mutator.mutate(seeds.get(i % seeds.size()), r);
            try {
                RestrictedUnpickler.load(MemorySegment.ofArray(input), "fuzz-pickle-" + i);
                accepted++;
            } catch (FormatException e) {
                rejected++;
                assertTrue(e.getMessage().contains("fuzz-pickle-" + i), e.getMessage());
            } catch (Throwable e) {
                fail("pickle input #" + i + " (seed " + SEED + ") broke the contract with " + e, e);
            }
        }
        String line = String.format("FUZZ %-12s %6d inputs: %6d accepted, %6d rejected with FormatException, %5d ms", "pickle", n, accepted, rejected, (System.nanoTime() - t0) / 1_000_000);
        System.out.println(line);
        synchronized (REPORT) { REPORT.append(line).append('\n'); }
        assertTrue(accepted > 0 && rejected > 0);
    }

    @AfterAll static void record() throws IOException {
        Path out = Path.of("target", "fuzz-counts.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, REPORT.toString(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
