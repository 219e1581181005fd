package dev.codi4j.loaders.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's text cleaning as OpenAI CLIP, open_clip and ImageBind do it:
 * {@code whitespace_clean(basic_clean(text)).lower()} where {@code basic_clean} is
 * {@code html.unescape(html.unescape(ftfy.fix_text(text))).strip()}.
 *
 * <p>Of {@code ftfy.fix_text} (ftfy 6.x defaults) this implements, per line and repeated until nothing
 * changes: {@code unescape_html} (skipped for a line containing '&lt;', as ftfy's "auto" does),
 * {@code fix_c1_controls}, {@code fix_latin_ligatures}, {@code fix_character_width}, {@code uncurl_quotes},
 * {@code fix_line_breaks}, {@code fix_surrogates}, {@code remove_terminal_escapes},
 * {@code remove_control_chars} and NFC. It does <b>not</b> implement {@code fix_encoding} (mojibake repair such
 * as "cafÃ©" → "café", which is heuristic and needs ftfy's large character tables): such text is tokenized as
 * it is. {@code html.unescape} is Python's, with the full HTML5 entity table.
 */
final class ClipTextCleaner {

    private static final Map<String, String> HTML5 = new HashMap<>(4096);
    private static final Map<String, String> FTFY_ENTITIES = new HashMap<>(4096);

    static {
        try (InputStream in = ClipTextCleaner.class.getResourceAsStream("html-entities.tsv")) {
            if (in == null) {
                throw new IllegalStateException("html-entities.tsv missing from the codi4j-loaders jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                StringBuilder v = new StringBuilder();
                for (String h : f[2].split(" ")) {
                    v.appendCodePoint(Integer.parseInt(h, 16));
                }
                (f[0].equals("H") ? HTML5 : FTFY_ENTITIES).put(f[1], v.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Windows-1252 for bytes 0x80..0x9F ("sloppy": undefined bytes map to themselves), as ftfy and html use. */
    private static final char[] CP1252 = {
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178};

    private static final Map<Integer, String> LIGATURES = Map.ofEntries(
            Map.entry(0x0132, "IJ"), Map.entry(0x0133, "ij"), Map.entry(0x0149, "\u02BCn"), Map.entry(0x01F1, "DZ"),
            Map.entry(0x01F2, "Dz"), Map.entry(0x01F3, "dz"), Map.entry(0x01C4, "D\u017D"), Map.entry(0x01C5, "D\u017E"),
            Map.entry(0x01C6, "d\u017E"), Map.entry(0x01C7, "LJ"), Map.entry(0x01C8, "Lj"), Map.entry(0x01C9, "lj"),
            Map.entry(0x01CA, "NJ"), Map.entry(0x01CB, "Nj"), Map.entry(0x01CC, "nj"), Map.entry(0xFB00, "ff"),
            Map.entry(0xFB01, "fi"), Map.entry(0xFB02, "fl"), Map.entry(0xFB03, "ffi"), Map.entry(0xFB04, "ffl"),
            Map.entry(0xFB05, "\u017Ft"), Map.entry(0xFB06, "st"));

    private static final Pattern FTFY_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Pattern CHARREF = Pattern.compile(
            "&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    private static final Pattern ANSI = Pattern.compile("\u001B\\[((?:\\p{Nd}|;)*)([a-zA-Z])");

    private ClipTextCleaner() {
    }

    /** open_clip / ImageBind: ftfy subset, html.unescape twice, strip, collapse whitespace, lower-case. */
    static String clean(String text) {
        String s = fixText(text);
        s = htmlUnescape(htmlUnescape(s));
        s = collapseWhitespace(s);
        return s.toLowerCase(Locale.ROOT);
    }

    /**
     * transformers' CLIPTokenizer (tokenizers backend): NFC, runs of whitespace to one space, lower-case one
     * character at a time (so no final-sigma rule, unlike Python's str.lower()).
     */
    static String cleanHuggingFace(String text) {
        String s = Normalizer.normalize(SentencePieceTokenizer.replaceLoneSurrogates(text), Normalizer.Form.NFC);
        StringBuilder sb = new StringBuilder(s.length());
        boolean inSpace = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (isUnicodeWhiteSpace(cp)) {
                if (!inSpace) {
                    sb.append(' ');
                }
                inSpace = true;
            } else {
                if (Character.isUpperCase(cp) || Character.isTitleCase(cp) || cp == 0x130) {
                    sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
                } else {
                    sb.appendCodePoint(cp);
                }
                inSpace = false;
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------ ftfy.fix_text (subset)

    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int pos = 0;
        boolean unescape = true;
        while (pos < text.length()) {
            int br = text.indexOf('\n', pos);
            int end = br < 0 ? text.length() : br + 1;
            String segment = text.substring(pos, end);
            // ftfy's "auto": a line with '<' looks like HTML source; from then on (the config is replaced for
            // the rest of the text, not just that line) entities are left alone
            unescape &= segment.indexOf('<') < 0;
            out.append(fixSegment(segment, unescape));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String segment, boolean unescape) {
        String text = segment;
        while (true) {
            String orig = text;
            if (unescape) {
                text = ftfyUnescape(text);
            }
            text = fixC1(text);
            text = mapCodePoints(text);
            text = fixLineBreaks(text);
            text = SentencePieceTokenizer.replaceLoneSurrogates(text);
            text = ANSI.matcher(text).replaceAll("");
            text = removeControl(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(orig)) {
                return text;
            }
        }
    }

    private static String ftfyUnescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = FTFY_ENTITY.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String e = m.group();
            String rep = FTFY_ENTITIES.get(e);
            if (rep == null && e.startsWith("&#")) {
                String u = htmlUnescape(e);
                rep = u.indexOf(';') >= 0 ? e : u;
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(rep == null ? e : rep));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String fixC1(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (sb == null) {
                    sb = new StringBuilder(text);
                }
                sb.setCharAt(i, CP1252[c - 0x80]);
            }
        }
        return sb == null ? text : sb.toString();
    }

    /** fix_latin_ligatures, fix_character_width, uncurl_quotes. */
    private static String mapCodePoints(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            String lig = LIGATURES.get(cp);
            if (lig != null) {
                sb.append(lig);
            } else if (cp == 0x3000) {
                sb.append(' ');
            } else if (cp >= 0xFF01 && cp <= 0xFFEF) {
                sb.append(Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFKC));
            } else if (cp == 0x02BC || (cp >= 0x2018 && cp <= 0x201B)) {
                sb.append('\'');
            } else if (cp >= 0x201C && cp <= 0x201F) {
                sb.append('"');
            } else {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    private static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n')
                .replace('\u0085', '\n');
    }

    private static boolean isFtfyControl(int c) {
        return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F)
                || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
    }

    private static String removeControl(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isFtfyControl(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length());
                    sb.append(text, 0, i);
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    // ------------------------------------------------------------ Python's html.unescape

    static String htmlUnescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = CHARREF.matcher(s);
        StringBuilder sb = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(replaceCharref(m.group(1))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String replaceCharref(String s) {
        if (s.charAt(0) == '#') {
            boolean hex = s.length() > 1 && (s.charAt(1) == 'x' || s.charAt(1) == 'X');
            String digits = s.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) {
                digits = digits.substring(0, digits.length() - 1);
            }
            long num = 0;
            for (int i = 0; i < digits.length() && num <= 0x10FFFF; i++) {
                num = num * (hex ? 16 : 10) + Character.digit(digits.charAt(i), hex ? 16 : 10);
            }
            if (num == 0) {
                return "\uFFFD";
            }
            if (num == 0x0D) {
                return "\r";
            }
            if (num >= 0x80 && num <= 0x9F) {
                return String.valueOf(CP1252[(int) num - 0x80]);
            }
            if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
                return "\uFFFD";
            }
            int cp = (int) num;
            if ((cp >= 0x1 && cp <= 0x8) || (cp >= 0xE && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)
                    || (cp >= 0xFDD0 && cp <= 0xFDEF) || cp == 0xB || (cp & 0xFFFE) == 0xFFFE) {
                return "";
            }
            return new String(Character.toChars(cp));
        }
        String v = HTML5.get(s);
        if (v != null) {
            return v;
        }
        for (int x = s.length() - 1; x > 1; x--) {
            v = HTML5.get(s.substring(0, x));
            if (v != null) {
                return v + s.substring(x);
            }
        }
        return "&" + s;
    }

    // ------------------------------------------------------------ whitespace

    /** Python's str.isspace() (the White_Space property plus U+001C..U+001F). */
    static boolean isPythonSpace(int c) {
        return (c >= 0x1C && c <= 0x1F) || isUnicodeWhiteSpace(c);
    }

    static boolean isUnicodeWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /** {@code " ".join(text.split())}: strip, and every run of whitespace becomes one space. */
    static String collapseWhitespace(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean pending = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (isPythonSpace(cp)) {
                pending = sb.length() > 0;
            } else {
                if (pending) {
                    sb.append(' ');
                    pending = false;
                }
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }
}
