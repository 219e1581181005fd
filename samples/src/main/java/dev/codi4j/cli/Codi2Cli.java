package dev.codi4j.cli;

import dev.codi4j.loaders.AtomicFiles;
import dev.codi4j.models.codi2.Conversation;
import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.Media;
import dev.codi4j.models.codi2.Prompt;
import dev.codi4j.models.codi2.Reply;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers the CoDi-2 commands share: prompts from the command line, transcripts, output files. */
final class Codi2Cli {
    private Codi2Cli() {}

    private static final Pattern SLOT = Pattern.compile("\\{(image|audio|video)}");

    /**
     * A prompt from text with {@code {image}}, {@code {audio}}, {@code {video}} slots filled, in order,
     * by the media of that kind; media without a slot follow the text, in the order given.
     */
    static Prompt prompt(String text, List<Media> media) {
        Map<String, Deque<Media>> byKind = new java.util.HashMap<>();
        for (Media m : media) byKind.computeIfAbsent(m.kind(), k -> new ArrayDeque<>()).add(m);
        List<Object> parts = new ArrayList<>();
        Matcher mt = SLOT.matcher(text == null ? "" : text);
        int at = 0;
        while (mt.find()) {
            Deque<Media> q = byKind.get(mt.group(1));
            if (q == null || q.isEmpty()) throw new IllegalArgumentException("the prompt has more {" + mt.group(1) + "} slots than --" + mt.group(1) + " files");
            parts.add(text.substring(at, mt.start()));
            parts.add(q.poll());
            at = mt.end();
        }
        if (text != null) parts.add(text.substring(at));
        for (Media m : media) {
            Deque<Media> q = byKind.get(m.kind());
            if (q != null && q.remove(m)) {
                parts.add(" ");
                parts.add(m);
            }
        }
        return Prompt.of(parts.toArray());
    }

    /** Saves a reply's images into {@code dir} (image-N.png, atomically) and returns the files. */
    static List<Path> saveImages(Reply r, Path dir) {
        List<Path> files = new ArrayList<>();
        for (GeneratedImage g : r.images()) files.add(g.save(dir.resolve(String.format(Locale.ROOT, "image-%d.png", g.index()))));
        return files;
    }

    /** A Markdown transcript of a conversation. */
    static String transcript(Conversation c, String title, List<String> preface, Map<GeneratedImage, Path> files) {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        for (String p : preface) sb.append(p).append("\n");
        if (!preface.isEmpty()) sb.append('\n');
        int n = 0;
        for (Conversation.Turn t : c.turns()) {
            Reply r = t.reply();
            sb.append("## Turn ").append(++n).append("\n\n");
            sb.append("**User:** ").append(t.prompt()).append("\n\n");
            sb.append("Official prompt form (").append(r.promptPositions()).append(" positions):\n\n```\n").append(r.officialPrompt()).append("\n```\n\n");
            sb.append("**CoDi-2:** ").append(r.text().isEmpty() ? "(no text)" : r.text()).append("\n\n");
            sb.append(String.format(Locale.ROOT, "- %d tokens, stopped by %s, %.2f s; %d output feature(s)%n", r.tokens().length, r.stopReason(),
                    r.generateNanos() * 1e-9, r.features().size()));
            for (GeneratedImage g : r.images()) {
                Path f = files.get(g);
                sb.append("- image ").append(g.index()).append(": ").append(f == null ? "(not saved)" : "![" + f.getFileName() + "](" + f.getFileName() + ")")
                        .append(" — seed ").append(g.seed()).append(", ").append(g.request().steps()).append(" steps")
                        .append(g.editedFrom() == null ? "" : ", edits " + g.editedFrom()).append('\n');
            }
            for (String note : r.notices()) sb.append("- note: ").append(note).append('\n');
            sb.append('\n');
        }
        return sb.toString();
    }

    static void writeText(Path file, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(b)));
    }
}
