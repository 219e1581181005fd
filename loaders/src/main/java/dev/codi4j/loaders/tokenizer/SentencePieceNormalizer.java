package dev.codi4j.loaders.tokenizer;

/**
 * SentencePiece's {@code Normalizer::Normalize} for the identity rule (no character map): optional removal of
 * leading, trailing and repeated spaces, the dummy-prefix space, and spaces escaped as U+2581.
 * Only U+0020 counts as a space here, as in SentencePiece with the identity rule.
 */
record SentencePieceNormalizer(boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces,
                               boolean prefixEveryFragment) implements SentencePieceTokenizer.FragmentNormalizer {

    @Override
    public String normalize(String text, boolean atTextStart) {
        int i = 0;
        int n = text.length();
        if (removeExtraWhitespaces) {
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
        }
        if (i == n) {
            return "";
        }
        char space = escapeWhitespaces ? SentencePieceTokenizer.SPACE_SYMBOL : ' ';
        StringBuilder sb = new StringBuilder(n - i + 1);
        if (addDummyPrefix && (prefixEveryFragment || atTextStart)) {
            sb.append(space);
        }
        boolean prevSpace = removeExtraWhitespaces;
        for (; i < n; i++) {
            char ch = text.charAt(i);
            if (ch == ' ') {
                if (!(removeExtraWhitespaces && prevSpace)) {
                    sb.append(space);
                }
                prevSpace = removeExtraWhitespaces;
            } else {
                sb.append(ch);
                prevSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            int len = sb.length();
            while (len > 0 && sb.charAt(len - 1) == space) {
                len--;
            }
            sb.setLength(len);
        }
        return sb.toString();
    }
}
