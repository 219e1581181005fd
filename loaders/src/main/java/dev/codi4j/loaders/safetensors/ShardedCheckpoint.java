package dev.codi4j.loaders.safetensors;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.weights.TensorInfo;
import dev.codi4j.loaders.weights.TensorSource;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint split over several files, described by an index such as
 * {@code model.safetensors.index.json}: {@code {"metadata": {"total_size": N}, "weight_map": {tensor: shard}}}.
 * Shards are opened with the given opener (safetensors or PyTorch); every tensor the index names
 * must be in its shard.
 */
public final class ShardedCheckpoint implements TensorSource {
    /** Opens one shard file. */
    @FunctionalInterface
    public interface ShardOpener { TensorSource open(Path shard) throws IOException; }

    private static final long MAX_INDEX_BYTES = 64L << 20;

    private final Path index;
    private final Map<String, TensorSource> owner;
    private final List<TensorSource> shards;
    private final Map<String, String> metadata;

    private ShardedCheckpoint(Path index, Map<String, TensorSource> owner, List<TensorSource> shards, Map<String, String> metadata) {
        this.index = index;
        this.owner = owner;
        this.shards = shards;
        this.metadata = metadata;
    }

    /** Opens a safetensors index and its shards. */
    public static ShardedCheckpoint open(Path index) throws IOException { return open(index, SafetensorsFile::open); }

    public static ShardedCheckpoint open(Path index, ShardOpener opener) throws IOException {
        String src = index.toString();
        long size = Files.size(index);
        if (size > MAX_INDEX_BYTES) throw new FormatException(src, "index of " + size + " bytes is larger than " + MAX_INDEX_BYTES + "; not a checkpoint index");
        JsonObject root;
        try {
            JsonReader jr = new JsonReader(new StringReader(new String(Files.readAllBytes(index), StandardCharsets.UTF_8)));
            jr.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(jr);
            if (!e.isJsonObject()) throw new FormatException(src, "is not a JSON object");
            root = e.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new FormatException(src, "is not valid JSON: " + e.getMessage(), e);
        }
        JsonElement wm = root.get("weight_map");
        if (wm == null || !wm.isJsonObject()) throw new FormatException(src, "has no \"weight_map\" object; is this a checkpoint index (*.safetensors.index.json)?");
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonElement md = root.get("metadata");
        if (md != null && md.isJsonObject())
            for (var en : md.getAsJsonObject().entrySet()) if (en.getValue().isJsonPrimitive()) metadata.put(en.getKey(), en.getValue().getAsString());
        Path dir = index.toAbsolutePath().getParent();
        Map<String, TensorSource> opened = new LinkedHashMap<>();
        Map<String, TensorSource> owner = new LinkedHashMap<>();
        try {
            for (var en : wm.getAsJsonObject().entrySet()) {
                if (!en.getValue().isJsonPrimitive() || !en.getValue().getAsJsonPrimitive().isString())
                    throw new FormatException(src, "weight_map entry '" + en.getKey() + "' must name a file");
                String shard = en.getValue().getAsString();
                if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..") || shard.equals("."))
                    throw new FormatException(src, "weight_map entry '" + en.getKey() + "' names '" + shard + "'; shards must be plain file names next to the index");
                TensorSource s = opened.get(shard);
                if (s == null) {
                    Path p = dir.resolve(shard);
                    try {
                        s = opener.open(p);
                    } catch (NoSuchFileException e) {
                        throw new FormatException(src, "names shard '" + shard + "' which is missing from " + dir + "; the download is incomplete — fetch that file too");
                    }
                    opened.put(shard, s);
                }
                if (!s.contains(en.getKey()))
                    throw new FormatException(src, "maps tensor '" + en.getKey() + "' to " + shard + ", which does not contain it; the index and the shards are from different versions");
                owner.put(en.getKey(), s);
            }
        } catch (IOException | RuntimeException e) {
            for (TensorSource s : opened.values()) s.close();
            throw e;
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        for (TensorSource s : opened.values()) for (var m : s.metadata().entrySet()) meta.putIfAbsent(m.getKey(), m.getValue());
        return new ShardedCheckpoint(index, owner, new ArrayList<>(opened.values()), meta);
    }

    @Override public String description() { return index + " (" + shards.size() + " shards)"; }
    @Override public List<String> names() { return new ArrayList<>(owner.keySet()); }

    @Override public TensorInfo info(String name) {
        TensorSource s = owner.get(name);
        return s == null ? null : s.info(name);
    }

    @Override public Tensor tensor(String name) {
        TensorSource s = owner.get(name);
        if (s == null) throw new WeightsException("tensor '" + name + "' is not in " + description());
        return s.tensor(name);
    }

    @Override public Map<String, String> metadata() { return metadata; }

    @Override public void close() { for (TensorSource s : shards) s.close(); }
}
