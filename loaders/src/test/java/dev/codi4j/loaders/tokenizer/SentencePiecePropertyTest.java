package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties on random text with the real Llama-2 vocabulary: round trips, no exceptions, n log n time. */
class SentencePiecePropertyTest {

    /** Random text mixing ASCII, whitespace runs, Latin-1, combining marks, CJK, Hangul, emoji and astral chars. */
    static String randomText(Random rnd, int length) {
        StringBuilder sb = new StringBuilder(length);
        while (sb.length() < length) {
            int kind = rnd.nextInt(10);
            int cp = switch (kind) {
                case 0, 1, 2 -> 0x20 + rnd.nextInt(0x5F);
                case 3 -> " \n\t\r".charAt(rnd.nextInt(4));
                case 4 -> 0xA0 + rnd.nextInt(0x200);
                case 5 -> 0x300 + rnd.nextInt(0x70);
                case 6 -> 0x4E00 + rnd.nextInt(0x5000);
                case 7 -> 0xAC00 + rnd.nextInt(0x2000);
                case 8 -> 0x1F300 + rnd.nextInt(0x300);
                default -> {
                    int c;
                    do {
                        c = rnd.nextInt(0x110000);
                    } while (Character.getType(c) == Character.SURROGATE || c == 0x2581);
                    yield c;
                }
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    @Test
    void randomUnicodeRoundTrips() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        SentencePieceTokenizer json = Fixtures.llama2Json();
        Random rnd = new Random(7);
        for (int i = 0; i < 500; i++) {
            String s = randomText(rnd, rnd.nextInt(60));
            int[] ids = tok.encode(s);
            assertEquals(s, tok.decode(ids), () -> "round trip of " + s.codePoints().mapToObj(Integer::toHexString).toList());
            assertArrayEquals(ids, json.encode(s), "tokenizer.json (rank) and tokenizer.model (score) agree on plain text");
            for (int id : ids) {
                assertTrue(id >= 3 && id < 32000, "no control token from plain text");
            }
        }
    }

    @Test
    void loneSurrogatesAreEncodedAsReplacementCharacter() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        String lone = "a\uD83Db\uDE00c\uD83D";
        assertArrayEquals(tok.encode("a\uFFFDb\uFFFDc\uFFFD"), tok.encode(lone));
        assertEquals("a\uFFFDb\uFFFDc\uFFFD", tok.decode(tok.encode(lone)));
        assertEquals("😀", tok.decode(tok.encode("\uD83D\uDE00")), "a proper pair is one character");
    }

    @Test
    void longInputIsLinearithmic() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        Random rnd = new Random(3);
        String small = randomText(rnd, 10_000);
        String big = randomText(rnd, 100_000);
        String aaa = "a".repeat(100_000);  // one long run: a quadratic merge loop would take minutes
        // the fastest of several runs: robust to other processes on a shared machine
        long tSmall = Long.MAX_VALUE;
        long tBig = Long.MAX_VALUE;
        long tA = Long.MAX_VALUE;
        int[] ids = null;
        int[] as = null;
        for (int run = 0; run < 3; run++) {
            long t0 = System.nanoTime();
            tok.encode(small);
            long t1 = System.nanoTime();
            ids = tok.encode(big);
            long t2 = System.nanoTime();
            as = tok.encode(aaa);
            long t3 = System.nanoTime();
            tSmall = Math.min(tSmall, t1 - t0);
            tBig = Math.min(tBig, t2 - t1);
            tA = Math.min(tA, t3 - t2);
        }
        assertEquals(big, tok.decode(ids));
        assertEquals(aaa, tok.decode(as));
        double ratio = (double) tBig / Math.max(1, tSmall);
        System.out.printf("encode 10k chars %.1f ms, 100k chars %.1f ms (ratio %.1f), 100k x 'a' %.1f ms%n",
                tSmall / 1e6, tBig / 1e6, ratio, tA / 1e6);
        // wall-clock bounds only catch gross regressions (the machine is shared); BpeMergerTest counts the work
        assertTrue(tBig < 5_000_000_000L, "100k random chars took " + tBig / 1e6 + " ms");
        assertTrue(tA < 5_000_000_000L, "100k identical chars took " + tA / 1e6 + " ms");
    }

    @Test
    void fourThousandTokenPromptTakesMilliseconds() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        SentencePieceTokenizer json = Fixtures.llama2Json();
        String para = "[INST] <<SYS>>\nYou are a helpful assistant that describes images.\n<</SYS>>\n\n"
                + "The llama (Lama glama) is a domesticated South American camelid, widely used as a meat and pack "
                + "animal by Andean cultures since the pre-Columbian era. Llamas are social animals and live with "
                + "others as a herd. Their wool is soft and contains only a small amount of lanolin. [/INST] ";
        String prompt = para.repeat(4096 / tok.encode(para).length + 1);
        for (SentencePieceTokenizer t : new SentencePieceTokenizer[] {tok, json}) {
            long[] times = new long[15];
            int n = 0;
            for (int i = 0; i < times.length + 5; i++) {
                long t0 = System.nanoTime();
                n = t.encode(prompt, true).length;
                if (i >= 5) {
                    times[i - 5] = System.nanoTime() - t0;
                }
            }
            java.util.Arrays.sort(times);
            double ms = times[times.length / 2] / 1e6;
            System.out.printf("%s: %d chars -> %d tokens, median encode %.2f ms%n", t, prompt.length(), n, ms);
            assertTrue(ms < 200, "a 4k-token prompt should take milliseconds, took " + ms + " ms");
        }
    }

    @Test
    void sharedAcrossThreads() throws Exception {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        Random rnd = new Random(17);
        java.util.List<String> texts = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            texts.add(randomText(rnd, 200));
        }
        java.util.List<int[]> sequential = texts.stream().map(tok::encode).toList();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var futures = texts.stream().map(t -> pool.submit(() -> tok.encode(t))).toList();
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(sequential.get(i), futures.get(i).get());
            }
        }
    }
}
