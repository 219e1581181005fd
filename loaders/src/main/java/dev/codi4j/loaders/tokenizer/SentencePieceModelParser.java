package dev.codi4j.loaders.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads SentencePiece's {@code ModelProto} (sentencepiece_model.proto): the pieces with score and type, the
 * fields of {@code TrainerSpec} and {@code NormalizerSpec} that change encoding, and nothing else.
 */
final class SentencePieceModelParser {
    private static final int MODEL_TYPE_BPE = 2;

    private SentencePieceModelParser() {
    }

    /** Fields read from the file, with the proto defaults where a field is absent. */
    static final class Spec {
        final List<String> pieces = new ArrayList<>();
        final List<Float> scores = new ArrayList<>();
        final List<PieceType> types = new ArrayList<>();
        int modelType = 1; // proto default: UNIGRAM
        boolean byteFallback;
        boolean treatWhitespaceAsSuffix;
        String unkPiece = "<unk>";
        String bosPiece = "<s>";
        String eosPiece = "</s>";
        String padPiece = "<pad>";
        String unkSurface = " \u2047 ";
        String normalizerName = "";
        byte[] charsmap = new byte[0];
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        boolean hasDenormalizer;
    }

    static SentencePieceTokenizer.Config parse(byte[] bytes, String source) {
        Spec spec = read(bytes, source);
        return toConfig(spec, source);
    }

    static Spec read(byte[] bytes, String source) {
        if (bytes.length > 0 && (bytes[0] == '{' || bytes[0] == '[')) {
            throw new TokenizerException(source + ": this is JSON, not a SentencePiece tokenizer.model; load it with "
                    + "SentencePieceTokenizer.fromHuggingFaceJson");
        }
        if (bytes.length >= 4 && bytes[0] == 'G' && bytes[1] == 'G' && bytes[2] == 'U' && bytes[3] == 'F') {
            throw new TokenizerException(source + ": this is a GGUF file, not a tokenizer.model; read its "
                    + "tokenizer.ggml.* metadata and use SentencePieceTokenizer.fromGguf");
        }
        Spec spec = new Spec();
        ProtoReader r = new ProtoReader(bytes, 0, bytes.length, source);
        while (r.hasMore()) {
            int tag = r.readTag();
            int field = tag >>> 3;
            int wire = tag & 7;
            switch (field) {
                case 1 -> {
                    r.expect(ProtoReader.LEN, wire, "ModelProto.pieces");
                    readPiece(r.readMessage(), spec);
                }
                case 2 -> {
                    r.expect(ProtoReader.LEN, wire, "ModelProto.trainer_spec");
                    readTrainer(r.readMessage(), spec);
                }
                case 3 -> {
                    r.expect(ProtoReader.LEN, wire, "ModelProto.normalizer_spec");
                    readNormalizer(r.readMessage(), spec);
                }
                case 5 -> {
                    spec.hasDenormalizer = true;
                    r.skip(wire);
                }
                default -> r.skip(wire);
            }
        }
        if (spec.pieces.isEmpty()) {
            throw new TokenizerException(source + ": no pieces found; expected a SentencePiece tokenizer.model with a "
                    + "vocabulary (Llama-2: 32000 pieces). The file is empty or not a tokenizer.model.");
        }
        return spec;
    }

    private static void readPiece(ProtoReader r, Spec spec) {
        String piece = null;
        float score = 0f;
        int type = PieceType.NORMAL.code();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expect(ProtoReader.LEN, tag & 7, "SentencePiece.piece");
                    piece = r.readString();
                }
                case 2 -> {
                    r.expect(ProtoReader.FIXED32, tag & 7, "SentencePiece.score");
                    score = r.readFloat();
                }
                case 3 -> {
                    r.expect(ProtoReader.VARINT, tag & 7, "SentencePiece.type");
                    type = (int) r.readVarint();
                }
                default -> r.skip(tag & 7);
            }
        }
        int id = spec.pieces.size();
        if (piece == null || piece.isEmpty()) {
            throw r.corrupt("a non-empty piece for id " + id, "an empty one");
        }
        PieceType t = PieceType.fromCode(type);
        if (t == null) {
            throw r.corrupt("a piece type 1..6 for piece " + id + " (" + piece + ")", String.valueOf(type));
        }
        spec.pieces.add(piece);
        spec.scores.add(score);
        spec.types.add(t);
    }

    private static void readTrainer(ProtoReader r, Spec spec) {
        while (r.hasMore()) {
            int tag = r.readTag();
            int wire = tag & 7;
            switch (tag >>> 3) {
                case 3 -> spec.modelType = (int) r.readVarint();
                case 24 -> spec.treatWhitespaceAsSuffix = r.readVarint() != 0;
                case 35 -> spec.byteFallback = r.readVarint() != 0;
                case 44 -> spec.unkSurface = r.readString();
                case 45 -> spec.unkPiece = r.readString();
                case 46 -> spec.bosPiece = r.readString();
                case 47 -> spec.eosPiece = r.readString();
                case 48 -> spec.padPiece = r.readString();
                default -> r.skip(wire);
            }
        }
    }

    private static void readNormalizer(ProtoReader r, Spec spec) {
        while (r.hasMore()) {
            int tag = r.readTag();
            int wire = tag & 7;
            switch (tag >>> 3) {
                case 1 -> spec.normalizerName = r.readString();
                case 2 -> spec.charsmap = r.readBytes();
                case 3 -> spec.addDummyPrefix = r.readVarint() != 0;
                case 4 -> spec.removeExtraWhitespaces = r.readVarint() != 0;
                case 5 -> spec.escapeWhitespaces = r.readVarint() != 0;
                default -> r.skip(wire);
            }
        }
    }

    private static SentencePieceTokenizer.Config toConfig(Spec spec, String source) {
        if (spec.modelType != MODEL_TYPE_BPE) {
            String name = switch (spec.modelType) {
                case 1 -> "UNIGRAM";
                case 3 -> "WORD";
                case 4 -> "CHAR";
                default -> "type " + spec.modelType;
            };
            throw new TokenizerException(source + ": SentencePiece model type is " + name + "; codi4j implements BPE "
                    + "(the type of Llama and Llama-2 tokenizers). Use a BPE tokenizer.model.");
        }
        if (spec.treatWhitespaceAsSuffix) {
            throw new TokenizerException(source + ": treat_whitespace_as_suffix=true is not supported (Llama "
                    + "tokenizers put the space symbol first)");
        }
        if (spec.charsmap.length > 0) {
            throw new TokenizerException(source + ": normalizer '" + spec.normalizerName + "' uses a precompiled "
                    + "character map, which codi4j does not implement; Llama tokenizers use 'identity'. Convert the "
                    + "model to one with the identity normalizer.");
        }
        int n = spec.pieces.size();
        String[] pieces = spec.pieces.toArray(new String[0]);
        float[] scores = new float[n];
        PieceType[] types = spec.types.toArray(new PieceType[0]);
        int unk = -1;
        for (int i = 0; i < n; i++) {
            scores[i] = spec.scores.get(i);
            if (types[i] == PieceType.UNKNOWN) {
                if (unk >= 0) {
                    throw new TokenizerException(source + ": two UNKNOWN pieces (ids " + unk + " and " + i
                            + "); a SentencePiece model has exactly one");
                }
                unk = i;
            }
            if (types[i] == PieceType.BYTE && !spec.byteFallback) {
                throw new TokenizerException(source + ": byte piece " + pieces[i] + " (id " + i
                        + ") found although trainer_spec.byte_fallback is false; the file is inconsistent");
            }
        }
        if (unk < 0) {
            throw new TokenizerException(source + ": no UNKNOWN piece; a SentencePiece model needs one (<unk>)");
        }
        int bos = controlId(spec.pieces, types, spec.bosPiece);
        int eos = controlId(spec.pieces, types, spec.eosPiece);
        int pad = controlId(spec.pieces, types, spec.padPiece);
        boolean dummy = spec.addDummyPrefix;
        boolean extra = spec.removeExtraWhitespaces;
        boolean escape = spec.escapeWhitespaces;
        return new SentencePieceTokenizer.Config(source, pieces, scores, types, SentencePieceTokenizer.MergeRule.SCORE,
                null, spec.byteFallback, true, false, unk, bos, eos, pad,
                new SentencePieceNormalizer(dummy, extra, escape, true), false, dummy || extra, extra,
                spec.unkSurface, true, false, List.of(), List.of(), List.of());
    }

    /** SentencePieceProcessor::bos_id() and friends: the piece's id if it is a control (or user-defined) piece. */
    static int controlId(List<String> pieces, PieceType[] types, String piece) {
        int id = pieces.indexOf(piece);
        return id >= 0 && (types[id] == PieceType.CONTROL || types[id] == PieceType.USER_DEFINED) ? id : -1;
    }
}
