package dev.codi4j.loaders.media;

import java.nio.file.Path;

/**
 * Reads any supported audio file by its content (not its name): WAV, MP3, Ogg Vorbis. The entry
 * point for "an audio prompt"; see {@link Wav} for writing.
 */
public final class AudioFiles {
    private AudioFiles() {}

    public static Audio read(Path path) { return read(path, MediaLimits.defaults()); }

    public static Audio read(Path path, MediaLimits limits) { return decode(limits.readFile(path), path.toString(), limits); }

    public static Audio decode(byte[] data, String source, MediaLimits limits) {
        if (data.length >= 12 && data[0] == 'R' && data[1] == 'I' && data[2] == 'F' && data[3] == 'F') return Wav.decode(data, source, limits);
        if (CompressedAudio.looksLikeOgg(data)) return CompressedAudio.vorbis(data, source, limits);
        if (CompressedAudio.looksLikeMp3(data)) return CompressedAudio.mp3(data, source, limits);
        throw new MediaException(source, "not a WAV, MP3 or Ogg Vorbis file (starts with " + Images.hexPrefix(data) + ")",
                "convert it with ffmpeg -i input output.wav");
    }
}
