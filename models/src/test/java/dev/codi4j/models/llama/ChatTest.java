package dev.codi4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.models.llama.ChatTemplate.Message;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChatTest {
    static Backend backend;
    static Llama model;

    @BeforeAll static void setUp() throws IOException {
        backend = Backends.create("cpu");
        model = LlamaLoader.load(Fixture.dir(), backend);
    }

    @AfterAll static void tearDown() { model.close(); backend.close(); }

    /** A stand-in encoder for the 128-token fixture vocabulary: one id per character (3 + code mod 125). */
    static int[] chars(String s) { return s.chars().map(c -> 3 + c % 125).toArray(); }

    /** The expected strings are Hugging Face's Llama-2-chat chat_template, written out by hand. */
    @Test void renderMatchesHuggingFaceTemplate() {
        String got = ChatTemplate.render(List.of(Message.system("Be brief."), Message.user(" Hi! "), Message.assistant("Hello. "), Message.user("Why?")));
        // strip() applies to the system block + user text as a whole, so the user's leading space survives
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi! [/INST] Hello. </s><s>[INST] Why? [/INST]", got);
        assertEquals("<s>[INST] Hi [/INST]", ChatTemplate.render(List.of(Message.user("Hi"))));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.render(List.of(Message.assistant("x"))));
    }

    /** Meta's chat_completion: BOS + encode(pair text) + EOS per finished pair, BOS + encode(last user turn). */
    @Test void encodeFollowsMetasPerTurnTokenisation() {
        int[] ids = ChatTemplate.encode(List.of(Message.system("S"), Message.user("a"), Message.assistant("b"), Message.user("c")), ChatTest::chars, 1, 2);
        int[] first = chars("[INST] <<SYS>>\nS\n<</SYS>>\n\na [/INST] b ");
        int[] second = chars("[INST] c [/INST]");
        int[] want = new int[first.length + second.length + 3];
        want[0] = 1;
        System.arraycopy(first, 0, want, 1, first.length);
        want[first.length + 1] = 2;
        want[first.length + 2] = 1;
        System.arraycopy(second, 0, want, first.length + 3, second.length);
        assertArrayEquals(want, ids);
    }

    /** The second turn reuses the KV cache: its logits equal a full recomputation of the whole conversation, and so do its tokens. */
    @Test void multiTurnReusesTheCacheAndEqualsFullRecomputation() {
        try (LlamaState st = model.newState(128)) {
            ChatSession chat = new ChatSession(model, st, ChatTest::chars, () -> Generator.TextStream.NONE, 1, 2, "sys");
            Generator.Result r1 = chat.reply("hi", GenerationConfig.greedy(5), Generator.Listener.NONE);
            assertEquals(5, r1.tokens().length);
            int[] history = chat.tokens();
            assertEquals(history.length - 1, st.position(), "the last answer token is not fed yet");
            int[] seg = chat.nextTurnTokens("ok?");
            assertEquals(history[history.length - 1], seg[0], "the pending answer token is fed first");
            assertEquals(2, seg[1]);
            assertEquals(1, seg[2]);
            // the cached path, as reply() feeds it
            int before = st.position();
            float[] cached = model.prefill(st, seg).clone();
            int[] all = Arrays.copyOf(history, history.length + seg.length - 1);
            System.arraycopy(seg, 1, all, history.length, seg.length - 1);
            try (LlamaState fresh = model.newState(128)) {
                float[] full = model.forward(fresh, all, Llama.Select.lastLogits()).logits().toFloatArray();
                double d = Fixture.maxAbsDiff(cached, full);
                assertTrue(d < 1e-5, "cached second-turn logits differ from full recomputation by " + d);
            }
            st.truncate(before);
            Generator.Result r2 = chat.reply("ok?", GenerationConfig.greedy(6), Generator.Listener.NONE);
            try (LlamaState fresh = model.newState(128)) {
                Generator.Result again = new Generator(model).generate(fresh, new int[0], all, GenerationConfig.greedy(6, 2), Generator.TextStream.NONE, Generator.Listener.NONE);
                assertArrayEquals(again.tokens(), r2.tokens());
            }
            assertEquals(all.length + r2.tokens().length, chat.tokens().length);
            chat.setSystem("other");
            assertEquals(0, st.position());
            assertEquals(0, chat.tokens().length);
        }
    }

    @Test void aTurnThatDoesNotFitIsRefusedWithoutChangingTheConversation() {
        try (LlamaState st = model.newState(40)) {
            ChatSession chat = new ChatSession(model, st, ChatTest::chars, () -> Generator.TextStream.NONE, 1, 2, null);
            chat.reply("hi", GenerationConfig.greedy(3), Generator.Listener.NONE);
            int[] before = chat.tokens();
            int pos = st.position();
            assertThrows(ContextLengthException.class, () -> chat.reply("a much longer question than fits", GenerationConfig.greedy(3), Generator.Listener.NONE));
            assertArrayEquals(before, chat.tokens());
            assertEquals(pos, st.position());
        }
    }
}
