package dev.codi4j.loaders.npy;

import dev.codi4j.loaders.AtomicFiles;
import dev.codi4j.loaders.FormatException;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (versions 1–3), for embedding vectors exchanged with Python
 * ({@code np.save("e.npy", v)}): little-endian float16/32/64 and int32/64, C order. Values are read
 * into an F32 (or I32 for integers) host tensor. Every header field is checked against the file
 * size before anything is read.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final long MAX_BYTES = 1L << 31;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiu])(\\d+)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public static Tensor read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) throw new FormatException(file, "is " + size + " bytes; .npy files above 2 GiB are not supported");
        return parse(Files.readAllBytes(file), file.toString());
    }

    public static Tensor parse(byte[] d, String source) throws FormatException {
        if (d.length < 10) throw new FormatException(source, "is " + d.length + " bytes, too short for a .npy header");
        for (int i = 0; i < MAGIC.length; i++) if (d[i] != MAGIC[i]) throw new FormatException(source, "is not a .npy file (bad magic); save it with numpy.save");
        int major = d[6];
        ByteBuffer bb = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        long hlen;
        int start;
        if (major == 1) { hlen = bb.getShort(8) & 0xFFFF; start = 10; }
        else if (major == 2 || major == 3) {
            if (d.length < 12) throw new FormatException(source, "truncated .npy header");
            hlen = bb.getInt(8) & 0xFFFFFFFFL;
            start = 12;
        } else throw new FormatException(source, ".npy version " + major + " is not supported (1, 2, 3 are)");
        if (start + hlen > d.length) throw new FormatException(source, "header of " + hlen + " bytes runs past the end of the file (" + d.length + " bytes)");
        String header = new String(d, start, (int) hlen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher m = DESCR.matcher(header);
        if (!m.find()) throw new FormatException(source, "header has no recognisable 'descr': " + header.strip());
        String endian = m.group(1), kind = m.group(2);
        int width = Integer.parseInt(m.group(3));
        if (endian.equals(">") && width > 1) throw new FormatException(source, "holds big-endian data; save it little-endian (arr.astype('<f4'))");
        Matcher o = ORDER.matcher(header);
        if (o.find() && o.group(1).equals("True")) throw new FormatException(source, "is in Fortran order; save np.ascontiguousarray(arr)");
        Matcher s = SHAPE.matcher(header);
        if (!s.find()) throw new FormatException(source, "header has no 'shape': " + header.strip());
        List<Integer> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            String t = part.strip();
            if (t.isEmpty()) continue;
            try {
                long v = Long.parseLong(t);
                if (v < 0 || v > Integer.MAX_VALUE) throw new NumberFormatException();
                dims.add((int) v);
            } catch (NumberFormatException e) {
                throw new FormatException(source, "shape entry '" + t + "' is not a valid dimension");
            }
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        long n = 1;
        for (int x : shape) n = Math.multiplyExact(n, x);
        long dataStart = start + hlen;
        if (n * width > d.length - dataStart) throw new FormatException(source, "shape " + dims + " of " + width + "-byte values needs " + n * width + " bytes, the file has " + (d.length - dataStart));
        if (n > Integer.MAX_VALUE - 8) throw new FormatException(source, "has " + n + " values, too many for one array");
        ByteBuffer data = ByteBuffer.wrap(d, (int) dataStart, (int) (n * width)).slice().order(ByteOrder.LITTLE_ENDIAN);
        int count = (int) n;
        if (kind.equals("f")) {
            float[] v = new float[count];
            switch (width) {
                case 2 -> { for (int i = 0; i < count; i++) v[i] = Float.float16ToFloat(data.getShort(2 * i)); }
                case 4 -> data.asFloatBuffer().get(v);
                case 8 -> { for (int i = 0; i < count; i++) v[i] = (float) data.getDouble(8 * i); }
                default -> throw new FormatException(source, "float" + width * 8 + " is not supported (float16/32/64 are)");
            }
            return Tensor.fromFloats(v, shape);
        }
        int[] v = new int[count];
        switch (width) {
            case 4 -> data.asIntBuffer().get(v);
            case 8 -> {
                for (int i = 0; i < count; i++) {
                    long x = data.getLong(8 * i);
                    if (x != (int) x) throw new FormatException(source, "value " + x + " at " + i + " does not fit int32");
                    v[i] = (int) x;
                }
            }
            default -> throw new FormatException(source, kind + width * 8 + " is not supported (int32/64 are)");
        }
        return Tensor.fromInts(v, shape);
    }

    /** Writes a float32 .npy (version 1) atomically. */
    public static void write(Path file, float[] values, int... shape) throws IOException {
        long n = 1;
        for (int x : shape) n *= x;
        if (n != values.length) throw new IllegalArgumentException(values.length + " values do not fill shape " + java.util.Arrays.toString(shape));
        StringBuilder sh = new StringBuilder();
        for (int x : shape) sh.append(x).append(", ");
        if (shape.length > 1) sh.setLength(sh.length() - 2);
        String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + sh + "), }";
        int total = 10 + h.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = h + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float v : values) b.putFloat(v);
        b.flip();
        AtomicFiles.write(file, ch -> AtomicFiles.writeFully(ch, b));
    }
}
