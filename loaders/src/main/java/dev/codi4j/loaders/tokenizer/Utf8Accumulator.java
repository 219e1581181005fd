package dev.codi4j.loaders.tokenizer;

/**
 * Turns a run of raw bytes into text as soon as each character is decided, so a streaming decoder never
 * emits half a character. Malformed bytes become U+FFFD in one of two ways:
 * <ul>
 *   <li>{@link Mode#PER_BYTE}: SentencePiece's rule ({@code IsValidDecodeUTF8}): a sequence that is not a
 *       complete, shortest-form, non-surrogate scalar value yields one U+FFFD for its first byte and decoding
 *       restarts at the next byte;</li>
 *   <li>{@link Mode#MAXIMAL_SUBPART}: Python's {@code bytes.decode("utf-8", "replace")} (the Unicode/WHATWG
 *       rule): one U+FFFD for each maximal prefix of a valid sequence.</li>
 * </ul>
 * A decision at an offset needs at most the next four bytes, so streaming and batch decoding agree.
 */
final class Utf8Accumulator {
    enum Mode { PER_BYTE, MAXIMAL_SUBPART }

    private static final char REPLACEMENT = '\uFFFD';
    private final Mode mode;
    private final byte[] pending = new byte[4];
    private int count;

    Utf8Accumulator(Mode mode) {
        this.mode = mode;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Adds one byte and appends every character that is now decided. */
    void add(int b, StringBuilder out) {
        pending[count++] = (byte) b;
        drain(out, false);
    }

    /** The run of bytes ended: whatever is left is malformed and becomes U+FFFD. */
    void endRun(StringBuilder out) {
        drain(out, true);
    }

    private void drain(StringBuilder out, boolean end) {
        while (count > 0) {
            int consumed = mode == Mode.PER_BYTE ? decodePerByte(out, end) : decodeMaximal(out, end);
            if (consumed == 0) {
                return; // undecided: wait for more bytes
            }
            System.arraycopy(pending, consumed, pending, 0, count - consumed);
            count -= consumed;
        }
    }

    private static int needed(int lead) {
        if (lead < 0x80) {
            return 1;
        } else if ((lead & 0xE0) == 0xC0) {
            return 2;
        } else if ((lead & 0xF0) == 0xE0) {
            return 3;
        } else if ((lead & 0xF8) == 0xF0) {
            return 4;
        }
        return -1;
    }

    private static boolean trail(int b) {
        return (b & 0xC0) == 0x80;
    }

    /** Returns the bytes consumed, 0 when more bytes could still change the outcome. */
    private int decodePerByte(StringBuilder out, boolean end) {
        int b0 = pending[0] & 0xFF;
        int n = needed(b0);
        if (n == 1) {
            out.append((char) b0);
            return 1;
        }
        if (n < 0) {
            out.append(REPLACEMENT);
            return 1;
        }
        if (count < n) {
            if (end) {
                out.append(REPLACEMENT);
                return 1;
            }
            return 0;
        }
        int cp;
        int min;
        if (n == 2) {
            cp = ((b0 & 0x1F) << 6) | (pending[1] & 0x3F);
            min = 0x80;
        } else if (n == 3) {
            cp = ((b0 & 0x0F) << 12) | ((pending[1] & 0x3F) << 6) | (pending[2] & 0x3F);
            min = 0x800;
        } else {
            cp = ((b0 & 0x07) << 18) | ((pending[1] & 0x3F) << 12) | ((pending[2] & 0x3F) << 6) | (pending[3] & 0x3F);
            min = 0x10000;
        }
        boolean ok = cp >= min && (cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF));
        for (int i = 1; i < n && ok; i++) {
            ok = trail(pending[i] & 0xFF);
        }
        if (!ok) {
            out.append(REPLACEMENT);
            return 1;
        }
        out.appendCodePoint(cp);
        return n;
    }

    private int decodeMaximal(StringBuilder out, boolean end) {
        int b0 = pending[0] & 0xFF;
        if (b0 < 0x80) {
            out.append((char) b0);
            return 1;
        }
        int n;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            n = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 3;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 4;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            out.append(REPLACEMENT);
            return 1;
        }
        int i = 1;
        while (i < n) {
            if (i >= count) {
                if (end) {
                    out.append(REPLACEMENT);
                    return i;
                }
                return 0;
            }
            int b = pending[i] & 0xFF;
            boolean ok = i == 1 ? (b >= lo && b <= hi) : trail(b);
            if (!ok) {
                out.append(REPLACEMENT);
                return i;
            }
            i++;
        }
        int cp;
        if (n == 2) {
            cp = ((b0 & 0x1F) << 6) | (pending[1] & 0x3F);
        } else if (n == 3) {
            cp = ((b0 & 0x0F) << 12) | ((pending[1] & 0x3F) << 6) | (pending[2] & 0x3F);
        } else {
            cp = ((b0 & 0x07) << 18) | ((pending[1] & 0x3F) << 12) | ((pending[2] & 0x3F) << 6) | (pending[3] & 0x3F);
        }
        out.appendCodePoint(cp);
        return n;
    }
}
