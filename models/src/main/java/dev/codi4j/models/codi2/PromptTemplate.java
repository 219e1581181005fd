package dev.codi4j.models.codi2;

/**
 * The text put around each user turn before it is split into words and spliced. The released
 * CoDi-2 code does not contain its inference prompt; what it does contain is the first human turn
 * of training prefixed with {@code "</Perception> "} ({@code build_one_instance}) and the stopping
 * token 2277 ({@code "##"}), inherited from PandaGPT, whose turns read {@code "### Human: ...\n###
 * Assistant:"}. The defaults reproduce that reconstruction:
 * <pre>
 * turn 1:  "### Human: </Perception> " + user + "\n### Assistant:"
 * turn n:  "\n### Human: " + user + "\n### Assistant:"
 * </pre>
 *
 * @param human text before every user turn
 * @param firstTurnPrefix extra text after {@code human} in the first turn only
 * @param assistant text after every user turn, where the reply starts
 * @param turnSeparator text before {@code human} in turns after the first (the previous reply ends
 *     without its stop token)
 */
public record PromptTemplate(String human, String firstTurnPrefix, String assistant, String turnSeparator) {
    public PromptTemplate {
        human = human == null ? "" : human;
        firstTurnPrefix = firstTurnPrefix == null ? "" : firstTurnPrefix;
        assistant = assistant == null ? "" : assistant;
        turnSeparator = turnSeparator == null ? "" : turnSeparator;
    }

    public static PromptTemplate codi2() { return new PromptTemplate("### Human: ", "</Perception> ", "\n### Assistant:", "\n"); }

    /** No text around the user's words: the prompt is spliced exactly as given (what the parity test uses). */
    public static PromptTemplate raw() { return new PromptTemplate("", "", "", ""); }

    String before(boolean firstTurn) { return firstTurn ? human + firstTurnPrefix : turnSeparator + human; }
}
