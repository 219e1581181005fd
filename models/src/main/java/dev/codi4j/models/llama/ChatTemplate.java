package dev.codi4j.models.llama;

import java.util.ArrayList;
import java.util.List;

/**
 * The Llama-2-chat prompt format, exactly as Meta's {@code chat_completion} and Hugging Face's
 * {@code chat_template} for {@code meta-llama/Llama-2-7b-chat-hf} write it:
 * <pre>{@code
 * <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user 1} [/INST] {answer 1} </s><s>[INST] {user 2} [/INST]
 * }</pre>
 * The system prompt is folded into the first user turn; the text of each turn is stripped of
 * surrounding whitespace.
 */
public final class ChatTemplate {
    private ChatTemplate() {}

    public static final String B_INST = "[INST]", E_INST = "[/INST]";
    public static final String B_SYS = "<<SYS>>\n", E_SYS = "\n<</SYS>>\n\n";

    public enum Role { SYSTEM, USER, ASSISTANT }

    public record Message(Role role, String content) {
        public static Message system(String s) { return new Message(Role.SYSTEM, s); }
        public static Message user(String s) { return new Message(Role.USER, s); }
        public static Message assistant(String s) { return new Message(Role.ASSISTANT, s); }
    }

    /** Text → token ids, without BOS/EOS (a SentencePiece encoder adds its dummy-prefix space itself). */
    @FunctionalInterface
    public interface Encoder { int[] encode(String text); }

    /** The text of a user turn without BOS: {@code [INST] <<SYS>>…<</SYS>>\n\n{user} [/INST]}; {@code system} may be null. */
    public static String userTurn(String system, String user) {
        String content = system == null ? user : B_SYS + system + E_SYS + user;
        return B_INST + " " + content.strip() + " " + E_INST;
    }

    /** The text of an answer as the template closes it, without EOS: {@code " {answer} "}. */
    public static String answerTurn(String answer) { return " " + answer.strip() + " "; }

    /** Hugging Face's chat_template rendered with {@code <s>} and {@code </s>} as text. */
    public static String render(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        String system = null;
        List<Message> turns = split(messages);
        if (!messages.isEmpty() && messages.get(0).role() == Role.SYSTEM) system = messages.get(0).content();
        for (int i = 0; i < turns.size(); i++) {
            Message m = turns.get(i);
            if (m.role() == Role.USER) sb.append("<s>").append(userTurn(i == 0 ? system : null, m.content()));
            else sb.append(answerTurn(m.content())).append("</s>");
        }
        return sb.toString();
    }

    /**
     * Meta's {@code chat_completion} tokenisation: each (user, answer) pair is BOS + encode("[INST] … [/INST] answer ")
     * + EOS, the final user turn BOS + encode("[INST] … [/INST]").
     */
    public static int[] encode(List<Message> messages, Encoder enc, int bos, int eos) {
        String system = !messages.isEmpty() && messages.get(0).role() == Role.SYSTEM ? messages.get(0).content() : null;
        List<Message> turns = split(messages);
        if (turns.isEmpty() || turns.get(turns.size() - 1).role() != Role.USER)
            throw new IllegalArgumentException("a Llama-2 chat prompt must end with a user message");
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < turns.size(); i += 2) {
            String text = userTurn(i == 0 ? system : null, turns.get(i).content());
            ids.add(bos);
            if (i + 1 < turns.size()) {
                for (int t : enc.encode(text + answerTurn(turns.get(i + 1).content()))) ids.add(t);
                ids.add(eos);
            } else {
                for (int t : enc.encode(text)) ids.add(t);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The turns after an optional leading system message, checked to alternate user/assistant from a user. */
    private static List<Message> split(List<Message> messages) {
        List<Message> turns = !messages.isEmpty() && messages.get(0).role() == Role.SYSTEM ? messages.subList(1, messages.size()) : messages;
        for (int i = 0; i < turns.size(); i++) {
            Role want = i % 2 == 0 ? Role.USER : Role.ASSISTANT;
            if (turns.get(i).role() != want)
                throw new IllegalArgumentException("conversation roles must alternate user/assistant/user/... (after an optional system message); message " + i + " is " + turns.get(i).role());
        }
        return turns;
    }
}
