package dev.codi4j.models.codi2;

import java.util.ArrayList;
import java.util.List;

/**
 * One user turn: text interleaved with any number of images, audio clips and videos, in order.
 * Immutable.
 *
 * <pre>{@code
 * Prompt.of("Make it look like ", Image.read(p), " in winter");
 * Prompt.of(a, " is to ", a2, " as ", b, " is to");          // exemplar learning, A→A′, B→?
 * }</pre>
 *
 * <p>How a prompt reaches the LLM follows CoDi-2's {@code process_and_concat_embeds}: the turn is
 * written in the official string form, each medium a word of its own ({@code #image#_0}, numbered
 * per kind across the conversation), then split on single spaces; every text word is tokenized on
 * its own, every medium word is replaced by its projected feature rows.
 */
public final class Prompt {
    /** A part of a prompt: {@link String} text or a {@link Media}. */
    private final List<Object> parts;

    private Prompt(List<Object> parts) { this.parts = List.copyOf(parts); }

    /**
     * Text and media in order. Accepts {@link String}, {@link Media} and {@link GeneratedImage} (its
     * picture as an input); adjacent strings are joined.
     */
    public static Prompt of(Object... parts) {
        List<Object> out = new ArrayList<>();
        for (Object p : parts) {
            Object part = switch (p) {
                case null -> throw new IllegalArgumentException("a prompt part is null");
                case String s -> s;
                case CharSequence cs -> cs.toString();
                case Media m -> m;
                case GeneratedImage g -> g.asMedia();
                default -> throw new IllegalArgumentException("a prompt part must be text, a Media or a GeneratedImage, got " + p.getClass().getName());
            };
            if (part instanceof String s && !out.isEmpty() && out.getLast() instanceof String prev) out.set(out.size() - 1, prev + s);
            else out.add(part);
        }
        return new Prompt(out);
    }

    /** A text-only prompt. */
    public static Prompt text(String text) { return of(text); }

    /** The parts in order: {@link String}s and {@link Media}. */
    public List<Object> parts() { return parts; }

    /** The media in order. */
    public List<Media> media() {
        List<Media> m = new ArrayList<>();
        for (Object p : parts) if (p instanceof Media x) m.add(x);
        return m;
    }

    public long count(String kind) { return media().stream().filter(m -> m.kind().equals(kind)).count(); }

    /** The text parts joined, media left out. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) if (p instanceof String s) sb.append(s);
        return sb.toString();
    }

    public boolean isEmpty() { return parts.isEmpty() || (media().isEmpty() && text().isBlank()); }

    /** A readable form: text with {@code [image: cat.png]} where media are. */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof Media m) sb.append('[').append(m.kind()).append(": ").append(m.label()).append(']');
            else sb.append(p);
        }
        return sb.toString();
    }
}
