package dev.codi4j.loaders.weights;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.safetensors.SafetensorsFile;
import dev.codi4j.loaders.safetensors.ShardedCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opens a checkpoint file of any supported format, chosen by its first bytes and its name. */
public final class Checkpoints {
    private Checkpoints() {}

    /** The formats {@link #open} understands. */
    public enum Format { SAFETENSORS, INDEX, GGUF, PYTORCH_ZIP, PYTORCH_LEGACY }

    public static TensorSource open(Path file) throws IOException {
        return switch (detect(file)) {
            case SAFETENSORS -> SafetensorsFile.open(file);
            case INDEX -> ShardedCheckpoint.open(file, Checkpoints::open); // also pytorch_model.bin.index.json
            case GGUF -> dev.codi4j.loaders.gguf.GgufFile.open(file);
            case PYTORCH_ZIP -> dev.codi4j.loaders.pytorch.TorchCheckpoint.open(file);
            case PYTORCH_LEGACY -> throw new FormatException(file, "is a legacy (pre-1.6, non-zip) PyTorch file, an unsupported legacy format; "
                    + "re-save it with torch.save(obj, path) from PyTorch ≥ 1.6 or convert it to safetensors");
        };
    }

    public static Format detect(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new FormatException(file, "is a folder; give a checkpoint file, or use ModelFolder to find the checkpoint inside it");
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "checkpoint file not found");
        String name = file.getFileName().toString();
        if (name.endsWith(".json")) return Format.INDEX;
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(file)) { n = in.readNBytes(head, 0, 8); }
        if (n >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return Format.GGUF;
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return Format.PYTORCH_ZIP;
        if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) return Format.PYTORCH_LEGACY;
        if (name.endsWith(".safetensors") || n == 8 && head[7] == 0) return Format.SAFETENSORS;
        throw new FormatException(file, "is not a checkpoint codi4j can read (expected safetensors, GGUF, or a PyTorch zip file)");
    }
}
