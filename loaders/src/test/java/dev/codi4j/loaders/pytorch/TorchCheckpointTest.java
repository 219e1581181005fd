package dev.codi4j.loaders.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.safetensors.SafetensorsFile;
import dev.codi4j.loaders.weights.Checkpoints;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checkpoints written by torch.save (tools/fixtures/torch_checkpoints.py), compared with PyTorch's own contiguous copies. */
class TorchCheckpointTest {
    static Path res(String name) throws Exception { return Path.of(TorchCheckpointTest.class.getResource("/pytorch/" + name).toURI()); }

    /** Every tensor of {@code pth} equals the expected file's, value for value and shape for shape. */
    static void matchesExpected(String pth, String expected) throws Exception {
        try (TorchCheckpoint c = TorchCheckpoint.open(res(pth)); SafetensorsFile e = SafetensorsFile.open(res(expected))) {
            assertEquals(new java.util.TreeSet<>(e.names()), new java.util.TreeSet<>(c.names()));
            for (String n : e.names()) {
                Tensor want = e.tensor(n), got = c.tensor(n);
                assertEquals(want.dtype(), got.dtype(), n);
                assertArrayEquals(want.shape(), got.shape(), n);
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f, n);
            }
        }
    }

    @Test void everyDTypeAndLayout() throws Exception {
        matchesExpected("dtypes.pth", "dtypes.expected.safetensors");
        try (TorchCheckpoint c = TorchCheckpoint.open(res("dtypes.pth"))) {
            Tensor base = c.tensor("base"), t = c.tensor("base_t"), col = c.tensor("base_col");
            assertTrue(base.segment().isMapped(), "stored entries are mapped, not copied");
            assertEquals(base.segment().address(), t.segment().address(), "base_t shares base's storage");
            assertFalse(t.isContiguous());
            assertArrayEquals(new long[] {1, 6}, t.strides());
            assertEquals(2, col.offset());
            assertArrayEquals(new long[] {6}, col.strides());
            assertArrayEquals(new long[] {1, 0}, c.tensor("expanded").strides());
            assertEquals(DType.I64, c.tensor("i64").dtype());
            assertEquals(DType.BOOL, c.tensor("mask").dtype());
            assertEquals(0, c.tensor("scalar").rank());
        }
    }

    @Test void deflatedEntriesAreInflated() throws Exception {
        matchesExpected("deflated.pth", "dtypes.expected.safetensors");
    }

    @Test void imageBindKeyLayout() throws Exception {
        matchesExpected("imagebind_like.pth", "imagebind_like.expected.safetensors");
        try (Weights w = Weights.open(res("imagebind_like.pth"))) {
            Weights vision = w.pp("modality_trunks.vision.blocks").pp(0);
            assertArrayEquals(new int[] {24, 8}, vision.get("attn.in_proj_weight", 24, 8).shape());
            assertArrayEquals(new int[] {8, 3, 2, 2, 2}, w.pp("modality_preprocessors.vision.rgbt_stem.proj.1").get("weight", -1, 3, 2, 2, 2).shape());
        }
    }

    @Test void nestedDeltaCheckpoint() throws Exception {
        matchesExpected("delta.pth", "delta.expected.safetensors");
        try (TorchCheckpoint c = TorchCheckpoint.open(res("delta.pth"))) {
            assertTrue(c.names().contains("model.llama_model.base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
            Map<?, ?> root = (Map<?, ?>) c.root();
            assertEquals(3L, root.get("epoch"));
            assertEquals(1e-4, root.get("lr"));
            assertEquals("pandagpt", root.get("name"));
            assertEquals(List.of("a", 1L), root.get("tags"));
            assertEquals(Boolean.TRUE, root.get("ok"));
            assertEquals(Pickle.None.NONE, root.get("nothing"));
            assertEquals("3", c.metadata().get("epoch"));
        }
        try (Weights w = Weights.open(res("delta.pth"))) {
            Weights q = w.pp("model.llama_model.base_model.model.model.layers.0.self_attn.q_proj");
            assertEquals(DType.F16, q.get("lora_A.weight", 2, 16).dtype());
        }
    }

    @Test void refusesCodeAndLegacyFiles() throws Exception {
        FormatException sys = assertThrows(FormatException.class, () -> TorchCheckpoint.open(res("evil_system.pth")));
        assertTrue(sys.getMessage().contains("refuses global 'posix.system'") || sys.getMessage().contains("refuses global 'os.system'"), sys.getMessage());
        assertTrue(sys.getMessage().contains("evil_system.pth"), sys.getMessage());
        FormatException ns = assertThrows(FormatException.class, () -> Checkpoints.open(res("evil_namespace.pth")));
        assertTrue(ns.getMessage().contains("refuses global 'argparse.Namespace'"), ns.getMessage());
        FormatException legacy = assertThrows(FormatException.class, () -> Checkpoints.open(res("legacy.pth")));
        assertTrue(legacy.getMessage().contains("unsupported legacy format") && legacy.getMessage().contains("legacy.pth"), legacy.getMessage());
    }

    /** transformers' sharded PyTorch layout: pytorch_model.bin.index.json naming .bin shards. */
    @Test void shardedBinCheckpoints(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.copy(res("imagebind_like.pth"), dir.resolve("pytorch_model-00001-of-00002.bin"));
        java.nio.file.Files.copy(res("delta.pth"), dir.resolve("pytorch_model-00002-of-00002.bin"));
        Path index = dir.resolve("pytorch_model.bin.index.json");
        java.nio.file.Files.writeString(index, "{\"metadata\":{},\"weight_map\":{"
                + "\"modality_heads.vision.2.weight\":\"pytorch_model-00001-of-00002.bin\","
                + "\"model.llama_proj.weight\":\"pytorch_model-00002-of-00002.bin\"}}");
        try (Weights w = Weights.open(index); TorchCheckpoint a = TorchCheckpoint.open(res("imagebind_like.pth"))) {
            assertEquals(List.of("modality_heads.vision.2.weight", "model.llama_proj.weight"), w.keys());
            assertArrayEquals(a.tensor("modality_heads.vision.2.weight").toFloatArray(), w.get("modality_heads.vision.2.weight", 4, 8).toFloatArray());
            assertArrayEquals(new int[] {16, 8}, w.get("model.llama_proj.weight").shape());
        }
    }
}
