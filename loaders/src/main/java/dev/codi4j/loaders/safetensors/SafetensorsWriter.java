package dev.codi4j.loaders.safetensors;

import com.google.gson.stream.JsonWriter;
import dev.codi4j.loaders.AtomicFiles;
import dev.codi4j.loaders.weights.TensorSource;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code .safetensors} files that the Python and Rust readers accept: tensors ordered by
 * element size (largest first) then name, as safetensors does, so every tensor starts aligned to its
 * element size; the header is padded with spaces to a multiple of 8 bytes. The file is written to a
 * temporary file in the same folder and moved into place, so a failure never leaves a partial file
 * where a good one was.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    public static void write(Path path, Map<String, Tensor> tensors) throws IOException { write(path, tensors, Map.of()); }

    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, Tensor>> list = new ArrayList<>(tensors.entrySet());
        for (var e : list) {
            if (SafetensorsDType.nameOf(e.getValue().dtype()) == null)
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is " + e.getValue().dtype() + ", which safetensors cannot store; write it as GGUF or convert it to F16/F32");
            if (!e.getValue().device().isHost()) throw new IllegalArgumentException("tensor '" + e.getKey() + "' is on " + e.getValue().device() + "; copy it to the host first");
        }
        list.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -e.getValue().dtype().blockBytes()).thenComparing(Map.Entry::getKey));
        StringWriter sw = new StringWriter();
        long offset = 0;
        try (JsonWriter jw = new JsonWriter(sw)) {
            jw.beginObject();
            if (!metadata.isEmpty()) {
                jw.name("__metadata__").beginObject();
                for (var m : metadata.entrySet()) jw.name(m.getKey()).value(m.getValue());
                jw.endObject();
            }
            for (var e : list) {
                Tensor t = e.getValue();
                long bytes = t.byteSize();
                jw.name(e.getKey()).beginObject();
                jw.name("dtype").value(SafetensorsDType.nameOf(t.dtype()));
                jw.name("shape").beginArray();
                for (int d : t.shape()) jw.value(d);
                jw.endArray();
                jw.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
                jw.endObject();
                offset += bytes;
            }
            jw.endObject();
        }
        byte[] header = sw.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        byte[] h = Arrays.copyOf(header, padded);
        Arrays.fill(h, header.length, padded, (byte) ' ');
        AtomicFiles.write(path, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(h));
            for (var e : list) writeTensor(ch, e.getValue());
        });
    }

    /** Writes every readable tensor of a source (e.g. to convert a .bin checkpoint to safetensors). */
    public static void write(Path path, TensorSource source) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (String n : source.names()) all.put(n, source.tensor(n));
        write(path, all, source.metadata());
    }

    /** Writes the bytes of a host tensor in row-major order (a contiguous copy first if it is a strided view). */
    public static void writeTensor(FileChannel ch, Tensor t) throws IOException {
        if (t.numel() == 0) return;
        Tensor c = t.isContiguous() ? t : t.contiguous();
        MemorySegment data = c.data();
        long chunk = 1L << 30;
        for (long o = 0; o < data.byteSize(); o += chunk) AtomicFiles.writeFully(ch, data.asSlice(o, Math.min(chunk, data.byteSize() - o)).asByteBuffer());
        if (c != t) c.close();
    }

}
