package dev.codi4j.loaders.pytorch;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.MappedFile;
import dev.codi4j.loaders.SegmentReader;
import dev.codi4j.tensor.Numerics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A read-only view of a ZIP archive in a mapped file, from its central directory (ZIP64 included,
 * as PyTorch writes for large checkpoints). Stored entries are slices of the mapping (PyTorch stores
 * tensor data uncompressed and 64-byte aligned, so they map without copies); deflated entries are
 * inflated into memory bounded by their declared size. Every offset and size is checked against
 * the file; encrypted, split or otherwise unsupported archives are refused.
 */
public final class ZipArchive {
    /** One file in the archive. */
    public record Entry(String name, int method, long compressedSize, long size, long crc, long dataOffset) {}

    /** Deflate cannot expand more than ~1032:1; a larger claim is a lie (a zip bomb). */
    private static final long MAX_DEFLATE_RATIO = 1100;

    private final MappedFile file;
    private final Map<String, Entry> entries;

    private ZipArchive(MappedFile file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    public static ZipArchive read(MappedFile file) throws FormatException {
        String src = file.path().toString();
        MemorySegment seg = file.segment();
        long size = seg.byteSize();
        if (size < 22) throw new FormatException(src, "is " + size + " bytes, too short for a zip archive");
        // the end-of-central-directory record is within the last 22 + 65535 bytes
        long eocd = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 65535); p--) {
            if (seg.get(Numerics.I32, p) == 0x06054b50 && p + 22 + (seg.get(Numerics.I16, p + 20) & 0xFFFF) == size) { eocd = p; break; }
        }
        if (eocd < 0) throw new FormatException(src, "has no zip end-of-central-directory record; the file is truncated or not a zip archive");
        SegmentReader r = new SegmentReader(seg, src);
        r.seek(eocd + 4, "end of central directory");
        int disk = r.u16("disk number"), cdDisk = r.u16("central directory disk");
        long nThisDisk = r.u16("entry count"), n = r.u16("entry count");
        long cdSize = r.u32("central directory size"), cdOffset = r.u32("central directory offset");
        if (n == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            // ZIP64: a locator just before the classic record points to the ZIP64 record
            long loc = eocd - 20;
            if (loc < 0 || seg.get(Numerics.I32, loc) != 0x07064b50) throw new FormatException(src, "claims ZIP64 sizes but has no ZIP64 locator; the archive is corrupt");
            r.seek(loc + 8, "ZIP64 locator");
            long z = r.i64("ZIP64 record offset");
            r.seek(z, "ZIP64 end of central directory");
            if (r.i32("ZIP64 signature") != 0x06064b50) throw new FormatException(src, "ZIP64 end-of-central-directory record is missing at offset " + z);
            r.skip(8 + 2 + 2, "ZIP64 record");
            disk = r.i32("disk number");
            cdDisk = r.i32("central directory disk");
            nThisDisk = r.i64("entry count");
            n = r.i64("entry count");
            cdSize = r.i64("central directory size");
            cdOffset = r.i64("central directory offset");
        }
        if (disk != 0 || cdDisk != 0 || nThisDisk != n) throw new FormatException(src, "is a multi-part (split) zip archive, which is not supported");
        if (cdOffset < 0 || cdSize < 0 || cdOffset > size || cdSize > size - cdOffset) throw new FormatException(src, "central directory [" + cdOffset + ", +" + cdSize + ") lies outside the file; the archive is truncated");
        if (n < 0 || n > cdSize / 46) throw new FormatException(src, "claims " + n + " entries but its central directory has room for " + cdSize / 46);
        SegmentReader cd = new SegmentReader(seg.asSlice(cdOffset, cdSize), src + " (central directory)");
        Map<String, Entry> out = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) {
            if (cd.i32("entry signature") != 0x02014b50) throw new FormatException(src, "central directory entry #" + i + " has a bad signature; the archive is corrupt");
            cd.skip(4, "versions");
            int flags = cd.u16("flags");
            int method = cd.u16("method");
            cd.skip(4, "time");
            long crc = cd.u32("crc");
            long csize = cd.u32("compressed size"), usize = cd.u32("size");
            int nameLen = cd.u16("name length"), extraLen = cd.u16("extra length"), commentLen = cd.u16("comment length");
            int startDisk = cd.u16("start disk");
            cd.skip(6, "attributes");
            long local = cd.u32("local header offset");
            byte[] nameBytes = cd.bytes(nameLen, "entry name");
            String name = (flags & 0x800) != 0 ? SegmentReader.decodeUtf8(nameBytes, src, "entry name") : new String(nameBytes, StandardCharsets.ISO_8859_1);
            long extraEnd = cd.position() + extraLen;
            cd.require(extraLen, "extra field of '" + name + "'");
            while (cd.position() + 4 <= extraEnd) {
                int id = cd.u16("extra id"), len = cd.u16("extra length");
                if (cd.position() + len > extraEnd) throw new FormatException(src, "extra field of '" + name + "' overruns its entry");
                long fieldEnd = cd.position() + len;
                if (id == 0x0001) { // ZIP64 sizes, present only for fields that were 0xFFFFFFFF
                    if (usize == 0xFFFFFFFFL) usize = cd.i64("ZIP64 size of '" + name + "'");
                    if (csize == 0xFFFFFFFFL) csize = cd.i64("ZIP64 compressed size of '" + name + "'");
                    if (local == 0xFFFFFFFFL) local = cd.i64("ZIP64 offset of '" + name + "'");
                    if (cd.position() > fieldEnd) throw new FormatException(src, "ZIP64 field of '" + name + "' is too short");
                }
                cd.seek(fieldEnd, "extra field");
            }
            cd.seek(extraEnd, "extra field");
            cd.skip(commentLen, "comment");
            if ((flags & 1) != 0) throw new FormatException(src, "entry '" + name + "' is encrypted; not supported");
            if (startDisk != 0) throw new FormatException(src, "entry '" + name + "' is on another disk of a split archive");
            if (method != 0 && method != 8) throw new FormatException(src, "entry '" + name + "' uses compression method " + method + "; only stored (0) and deflate (8) are supported");
            if (csize < 0 || usize < 0 || local < 0 || local > size - 30) throw new FormatException(src, "entry '" + name + "' has sizes/offset outside the file");
            if (method == 0 && csize != usize) throw new FormatException(src, "stored entry '" + name + "' has compressed size " + csize + " ≠ size " + usize);
            // the local header repeats the name; its own extra field length decides where data starts
            SegmentReader lh = new SegmentReader(seg, src);
            lh.seek(local, "local header of '" + name + "'");
            if (lh.i32("local header signature") != 0x04034b50) throw new FormatException(src, "entry '" + name + "' points to offset " + local + ", which is not a local header");
            lh.skip(22, "local header");
            int ln = lh.u16("local name length"), le = lh.u16("local extra length");
            long data = local + 30 + ln + le;
            if (data > size || csize > size - data) throw new FormatException(src, "entry '" + name + "' data [" + data + ", +" + csize + ") runs past the end of the file; the archive is truncated");
            if (out.put(name, new Entry(name, method, csize, usize, crc, data)) != null) throw new FormatException(src, "entry '" + name + "' appears twice");
        }
        return new ZipArchive(file, Collections.unmodifiableMap(out));
    }

    public Map<String, Entry> entries() { return entries; }

    public List<String> names() { return new ArrayList<>(entries.keySet()); }

    public Entry entry(String name) { return entries.get(name); }

    /** A stored entry as a slice of the mapping (no copy). */
    public MemorySegment mapped(Entry e) throws FormatException {
        if (e.method != 0) throw new FormatException(source(e), "is compressed and cannot be mapped");
        return file.segment().asSlice(e.dataOffset, e.size);
    }

    /**
     * The entry's bytes: the mapping itself for stored entries, else inflated into {@code arena}.
     * @param checkCrc whether to verify the CRC-32 (reads the whole entry)
     */
    public MemorySegment contents(Entry e, Arena arena, boolean checkCrc) throws FormatException {
        MemorySegment out;
        if (e.method == 0) out = mapped(e);
        else {
            if (e.size > e.compressedSize * MAX_DEFLATE_RATIO + 1024 || e.size > Integer.MAX_VALUE - 8)
                throw new FormatException(source(e), "claims to inflate " + e.compressedSize + " bytes to " + e.size + ", which deflate cannot do; the archive is corrupt");
            out = arena.allocate(Math.max(1, e.size)).asSlice(0, e.size);
            inflate(file.segment().asSlice(e.dataOffset, e.compressedSize), out, source(e));
        }
        if (checkCrc) {
            CRC32 crc = new CRC32();
            long chunk = 1 << 30;
            for (long o = 0; o < out.byteSize(); o += chunk) crc.update(out.asSlice(o, Math.min(chunk, out.byteSize() - o)).asByteBuffer());
            if (crc.getValue() != e.crc) throw new FormatException(source(e), "fails its CRC-32 check; the file is corrupt — download it again");
        }
        return out;
    }

    private static void inflate(MemorySegment in, MemorySegment out, String src) throws FormatException {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in.asByteBuffer());
            var ob = out.asByteBuffer();
            while (ob.hasRemaining()) {
                int n = inf.inflate(ob);
                if (n == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) break;
            }
            if (ob.hasRemaining()) throw new FormatException(src, "inflates to fewer bytes than its declared size " + out.byteSize());
            if (!inf.finished()) {
                // the stream may still hold its end marker; anything more is a lie about the size
                byte[] probe = new byte[1];
                if (inf.inflate(probe) > 0 || !inf.finished()) throw new FormatException(src, "inflates to more than its declared size " + out.byteSize());
            }
        } catch (DataFormatException ex) {
            throw new FormatException(src, "has corrupt deflate data: " + ex.getMessage());
        } finally {
            inf.end();
        }
    }

    private String source(Entry e) { return file.path() + "!" + e.name; }
}
